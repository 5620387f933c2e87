import { prepareCollection, type DocumentDatabase } from '../../../../subgraph-kit/documents';
import type { Logger } from '../../../../lib/logger';
import { ASSETS_COLLECTION, type AssetDocument } from './asset-document';
import { ASSET_INDEXES } from './asset-repository';
import { demoAssetDocuments } from './demo-assets';

/** Creates the assets collection's indexes, and seeds the demo assets into an empty one when a scale is given. */
export function prepareAssetStore(database: DocumentDatabase, options: { demoDataScale: number; logger: Logger }): Promise<void> {
  return prepareCollection<AssetDocument>(database, {
    collection: ASSETS_COLLECTION,
    indexes: ASSET_INDEXES,
    demo: demoAssetDocuments,
    ...options,
  });
}
