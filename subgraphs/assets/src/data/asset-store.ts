import { generateDemoData } from '../../../../lib/demo-data';
import { DuplicateKeyError, type DocumentDatabase } from '../../../../lib/documents';
import type { Logger } from '../../../../lib/logger';
import { ASSETS_COLLECTION, type AssetDocument } from './asset-document';
import { ASSET_INDEXES } from './asset-repository';

/**
 * Makes the store ready to serve: creates the indexes, then seeds the demo assets of every tenant when the
 * collection is empty and a scale is given. This runs at start, before any request, for no principal: it
 * writes whole tenants' demo data and reads nothing for anyone, so it uses the collection unscoped.
 */
export async function prepareAssetStore(database: DocumentDatabase, options: { demoDataScale: number; logger: Logger }): Promise<void> {
  const assets = database.collection<AssetDocument>(ASSETS_COLLECTION);
  await assets.createIndexes(ASSET_INDEXES);
  if (options.demoDataScale <= 0 || (await assets.findOne({}, { projection: { uid: 1 } })) !== null) return;
  const demo: AssetDocument[] = generateDemoData({ scale: options.demoDataScale }).assets;
  try {
    await assets.insertMany(demo);
    options.logger.info({ assets: demo.length, scale: options.demoDataScale }, 'seeded demo assets');
  } catch (error) {
    // Another replica that started at the same moment seeded the same deterministic data first.
    if (!(error instanceof DuplicateKeyError)) throw error;
    options.logger.info('demo assets were seeded by another instance');
  }
}
