import { join } from 'node:path';
import { defineSubgraph, type AssembledSubgraph } from '../../../subgraph-kit/define-subgraph';
import { documentStore } from '../../../subgraph-kit/documents';
import { ASSETS_COLLECTION, type AssetDocument } from './data/asset-document';
import { ASSETS } from './data/asset-store';
import { createAssetLoaders, type AssetLoaders } from './data/loaders';
import { resolvers } from './resolvers';

/** Devices, cloud resources and applications with their vulnerability findings, one document per asset. */
export const assetsSubgraph = defineSubgraph({
  name: 'assets',
  port: 4002,
  metricsPort: 9402,
  schemaPath: join(__dirname, '..', 'schema.graphql'),
  resolvers,
  store: documentStore({ defaultDatabase: 'palisade_assets', collections: [ASSETS] }),
  createLoaders: (database, principal, metrics) => createAssetLoaders(database.collection<AssetDocument>(ASSETS_COLLECTION), principal, metrics),
});

export const createAssetsService = assetsSubgraph.create;
export type AssetsService = AssembledSubgraph<AssetLoaders>;
