import type { Logger } from '../../lib/logger';
import { DuplicateKeyError, type Document, type DocumentDatabase, type IndexSpec } from './store';

/** One collection of a document subgraph: its name, the indexes its queries rely on, and its demo data. */
export interface CollectionSetup<T extends Document> {
  name: string;
  indexes: IndexSpec[];
  /** The collection's documents of the demo data at a scale. */
  demo: (scale: number) => T[];
}

/**
 * Makes a collection ready to serve: creates its indexes, then seeds the demo data of every tenant when the
 * collection is empty and a scale is given. This runs at start, before any request, for no principal: it
 * writes whole tenants' demo data and reads nothing for anyone, so it uses the collection unscoped.
 */
export async function prepareCollection<T extends Document>(database: DocumentDatabase, setup: CollectionSetup<T>, options: { demoDataScale: number; logger: Logger }): Promise<void> {
  const { name } = setup;
  const { demoDataScale: scale, logger } = options;
  const collection = database.collection<T>(name);
  await collection.createIndexes(setup.indexes);
  if (scale <= 0 || (await collection.findOne({}, { projection: { uid: 1 } })) !== null) return;
  const documents = setup.demo(scale);
  try {
    await collection.insertMany(documents);
    logger.info({ [name]: documents.length, scale }, `seeded demo ${name}`);
  } catch (error) {
    // Another replica that started at the same moment seeded the same deterministic data first.
    if (!(error instanceof DuplicateKeyError)) throw error;
    logger.info(`demo ${name} were seeded by another instance`);
  }
}
