import { join } from 'node:path';
import { defineSubgraph, type AssembledSubgraph } from '../../../subgraph-kit/define-subgraph';
import { documentStore } from '../../../subgraph-kit/documents';
import { ASSETS_COLLECTION, type AssetDocument } from './data/asset-document';
import { ASSETS } from './data/asset-store';
import { createAssetLoaders, type AssetLoaders } from './data/loaders';
import { ASSET_EVENT_CONSUMERS } from './ingestion/asset-event-writers';
import { resolvers } from './resolvers';

/**
 * Devices, cloud resources and applications with their vulnerability findings, one document per asset; it
 * consumes Vulnerability Finding and Device Inventory Info events.
 */
export const assetsSubgraph = defineSubgraph({
  name: 'assets',
  port: 4002,
  metricsPort: 9402,
  schemaPath: join(__dirname, '..', 'schema.graphql'),
  resolvers,
  store: documentStore({ defaultDatabase: 'palisade_assets', collections: [ASSETS] }),
  createLoaders: (database, principal, metrics) => createAssetLoaders(database.collection<AssetDocument>(ASSETS_COLLECTION), principal, metrics),
  ingestion: ASSET_EVENT_CONSUMERS,
});

export const createAssetsService = assetsSubgraph.create;
export type AssetsService = AssembledSubgraph<AssetLoaders>;
