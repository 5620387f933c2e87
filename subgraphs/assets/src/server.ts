import { join } from 'node:path';
import { openDocumentDatabase, type DocumentDatabase } from '../../../lib/documents';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { SubgraphMetrics } from '../../../lib/subgraph-metrics';
import { assembleSubgraph, storeReadiness, type AssembledSubgraph } from '../../../lib/subgraph-server';
import { ASSETS_COLLECTION, type AssetDocument } from './data/asset-document';
import { prepareAssetStore } from './data/asset-store';
import { createAssetLoaders, type AssetLoaders } from './data/loaders';
import { resolvers } from './resolvers';

export const SERVICE_NAME = 'assets';
/** The database used when MONGODB_URL names none: this service shares no database with another. */
export const DEFAULT_DATABASE = 'palisade_assets';

export interface AssetsServiceOptions {
  /** The secret the gateway signs the principal header with; requests without a valid signature get 401. */
  principalSecret: Buffer;
  logger: Logger;
  /** Demo data seeded when the store is empty; 0 seeds nothing. */
  demoDataScale: number;
  /** An already opened store, which the service then owns and closes (tests inject one to read its stats). */
  database?: DocumentDatabase;
  /** Used when no database is given: MongoDB when set, the embedded document store otherwise. */
  mongodbUrl?: string;
}

export type AssetsService = AssembledSubgraph<AssetLoaders>;

/** Builds the assets subgraph over its store: indexes, demo data, Apollo Server and the HTTP server. Never listens. */
export async function createAssetsService(options: AssetsServiceOptions): Promise<AssetsService> {
  const database = options.database ?? (await openDocumentDatabase(options.mongodbUrl, DEFAULT_DATABASE));
  const metrics = new SubgraphMetrics(SERVICE_NAME);
  database.observe = metrics.observeDatabase;
  try {
    await prepareAssetStore(database, options);
  } catch (error) {
    await database.close();
    throw error;
  }
  const collection = database.collection<AssetDocument>(ASSETS_COLLECTION);
  return assembleSubgraph({
    name: SERVICE_NAME,
    schemaPath: join(__dirname, '..', 'schema.graphql'),
    resolvers,
    createLoaders: (principal: Principal) => createAssetLoaders(collection, principal, metrics),
    principalSecret: options.principalSecret,
    logger: options.logger,
    metrics,
    stats: database.stats,
    readiness: storeReadiness(SERVICE_NAME, () => database.ping(), options.logger),
    closeStore: () => database.close(),
  });
}
