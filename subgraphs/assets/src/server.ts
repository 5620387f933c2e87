import { join } from 'node:path';
import { openPreparedDocumentDatabase, type DocumentStoreOptions } from '../../../subgraph-kit/documents';
import type { Principal } from '../../../lib/principal';
import type { SubgraphServiceOptions } from '../../../lib/service';
import { SubgraphMetrics } from '../../../subgraph-kit/metrics';
import { assembleSubgraph, storeReadiness, type AssembledSubgraph } from '../../../subgraph-kit/server';
import { ASSETS_COLLECTION, type AssetDocument } from './data/asset-document';
import { prepareAssetStore } from './data/asset-store';
import { createAssetLoaders, type AssetLoaders } from './data/loaders';
import { resolvers } from './resolvers';

export const SERVICE_NAME = 'assets';
/** The database used when MONGODB_URL names none: this service shares no database with another. */
export const DEFAULT_DATABASE = 'palisade_assets';

export type AssetsServiceOptions = SubgraphServiceOptions & DocumentStoreOptions;

export type AssetsService = AssembledSubgraph<AssetLoaders>;

/** Builds the assets subgraph over its store: indexes, demo data, Apollo Server and the HTTP server. Never listens. */
export async function createAssetsService(options: AssetsServiceOptions): Promise<AssetsService> {
  const metrics = new SubgraphMetrics(SERVICE_NAME);
  const database = await openPreparedDocumentDatabase(options, DEFAULT_DATABASE, metrics.observeDatabase, (db) => prepareAssetStore(db, options));
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
