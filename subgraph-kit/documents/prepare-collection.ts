import type { Logger } from '../../lib/logger';
import { DuplicateKeyError, type Document, type DocumentDatabase, type IndexSpec } from './store';

export interface CollectionPreparation<T extends Document> {
  collection: string;
  indexes: IndexSpec[];
  /** Demo data seeded when the collection is empty; 0 seeds nothing. */
  demoDataScale: number;
  /** The collection's documents of the demo data at a scale. */
  demo: (scale: number) => T[];
  logger: Logger;
}

/**
 * Makes a collection ready to serve: creates its indexes, then seeds the demo data of every tenant when the
 * collection is empty and a scale is given. This runs at start, before any request, for no principal: it
 * writes whole tenants' demo data and reads nothing for anyone, so it uses the collection unscoped.
 */
export async function prepareCollection<T extends Document>(database: DocumentDatabase, preparation: CollectionPreparation<T>): Promise<void> {
  const { collection: name, demoDataScale: scale, logger } = preparation;
  const collection = database.collection<T>(name);
  await collection.createIndexes(preparation.indexes);
  if (scale <= 0 || (await collection.findOne({}, { projection: { uid: 1 } })) !== null) return;
  const documents = preparation.demo(scale);
  try {
    await collection.insertMany(documents);
    logger.info({ [name]: documents.length, scale }, `seeded demo ${name}`);
  } catch (error) {
    // Another replica that started at the same moment seeded the same deterministic data first.
    if (!(error instanceof DuplicateKeyError)) throw error;
    logger.info(`demo ${name} were seeded by another instance`);
  }
}
