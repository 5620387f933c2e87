import { EmbeddedDocumentDatabase } from './embedded';
import { MongoDocumentDatabase } from './mongodb';
import type { DocumentDatabase } from './store';

export * from './store';
export { TenantScopedCollection, type TenantDocument } from './tenant-scope';
export { EmbeddedDocumentDatabase } from './embedded';
export { readMongoUrl, databaseNameOf } from './mongo-url';

/**
 * Opens MongoDB when a URL is given, the embedded store otherwise. The choice is made once, at start;
 * production refuses the embedded store before this is reached (config).
 */
export async function openDocumentDatabase(url: string | undefined, defaultDatabase: string): Promise<DocumentDatabase> {
  if (url) return MongoDocumentDatabase.connect(url, defaultDatabase);
  return new EmbeddedDocumentDatabase();
}
