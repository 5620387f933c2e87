import type { CollectionSetup } from '../../../../subgraph-kit/documents';
import { ASSETS_COLLECTION, type AssetDocument } from './asset-document';
import { ASSET_INDEXES } from './asset-repository';
import { demoAssetDocuments } from './demo-assets';

/** The assets collection: its indexes, created at start, and its demo data, seeded into an empty one. */
export const ASSETS: CollectionSetup<AssetDocument> = { name: ASSETS_COLLECTION, indexes: ASSET_INDEXES, demo: demoAssetDocuments };
