import { EmbeddedDocumentDatabase } from './embedded';
import { MongoDocumentDatabase } from './mongodb';
import type { DocumentDatabase } from './store';

export * from './store';
export { TenantScopedCollection, type TenantDocument } from './tenant-scope';
export { EmbeddedDocumentDatabase } from './embedded';
export { readMongoUrl, databaseNameOf } from './mongo-url';
export { prepareCollection, type CollectionPreparation } from './prepare-collection';

/** Where a document subgraph's store comes from. */
export interface DocumentStoreOptions {
  /** An already opened store, which the service then owns and closes (tests inject one to read its stats). */
  database?: DocumentDatabase;
  /** Used when no database is given: MongoDB when set, the embedded document store otherwise. */
  mongodbUrl?: string;
}

/**
 * Opens (or takes) a service's store, reports its round trips to `observe`, and prepares it; a store that
 * cannot be prepared is closed again before the error is passed on.
 */
export async function openPreparedDocumentDatabase(
  options: DocumentStoreOptions,
  defaultDatabase: string,
  observe: DocumentDatabase['observe'],
  prepare: (database: DocumentDatabase) => Promise<void>,
): Promise<DocumentDatabase> {
  const database = options.database ?? (await openDocumentDatabase(options.mongodbUrl, defaultDatabase));
  database.observe = observe;
  try {
    await prepare(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * Opens MongoDB when a URL is given, the embedded store otherwise. The choice is made once, at start;
 * production refuses the embedded store before this is reached (config).
 */
export async function openDocumentDatabase(url: string | undefined, defaultDatabase: string): Promise<DocumentDatabase> {
  if (url) return MongoDocumentDatabase.connect(url, defaultDatabase);
  return new EmbeddedDocumentDatabase();
}
