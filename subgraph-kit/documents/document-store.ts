import { requireInProduction } from '../../lib/config';
import { pingReadiness, type StoreKind } from '../store';
import { EmbeddedDocumentDatabase } from './embedded';
import { readMongoUrl } from './mongo-url';
import { MongoDocumentDatabase } from './mongodb';
import { prepareCollection, type CollectionSetup } from './prepare-collection';
import type { Document, DocumentDatabase } from './store';

export interface DocumentStoreOptions {
  /** The database used when MONGODB_URL names none: a subgraph shares no database with another. */
  defaultDatabase: string;
  collections: Array<CollectionSetup<Document>>;
}

/**
 * A subgraph's documents: MongoDB when MONGODB_URL is set, the embedded document store otherwise. Opening creates
 * every collection's indexes and seeds the demo data; a store that cannot be prepared is closed again and the
 * service does not start. Every query is bounded by the service's query timeout.
 */
export function documentStore(options: DocumentStoreOptions): StoreKind<DocumentDatabase, DocumentDatabase> {
  return {
    readUrl(env, service) {
      requireInProduction(env, 'MONGODB_URL', `the ${service} store`);
      return readMongoUrl(env, 'MONGODB_URL');
    },
    async open(settings) {
      const database = settings.database ?? (await openDocumentDatabase(settings.url, options.defaultDatabase));
      database.observe = settings.observe;
      database.queryTimeoutMs = settings.queryTimeoutMs;
      try {
        for (const collection of options.collections) await prepareCollection(database, collection, settings);
      } catch (error) {
        await database.close();
        throw error;
      }
      return {
        store: database,
        stats: database.stats,
        readiness: pingReadiness(settings.service, () => database.ping(), settings.logger),
        close: () => database.close(),
      };
    },
  };
}

/**
 * Opens MongoDB when a URL is given, the embedded store otherwise. The choice is made once, at start;
 * production refuses the embedded store before this is reached (readUrl).
 */
export async function openDocumentDatabase(url: string | undefined, defaultDatabase: string): Promise<DocumentDatabase> {
  if (url) return MongoDocumentDatabase.connect(url, defaultDatabase);
  return new EmbeddedDocumentDatabase();
}
