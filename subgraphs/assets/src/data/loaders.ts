import DataLoader from 'dataloader';
import type { PageRequest } from '../../../../subgraph-kit/connection';
import { TenantScopedCollection, type DocumentCollection } from '../../../../subgraph-kit/documents';
import { createPageLoader, oneForEachKey, type PageLoader } from '../../../../subgraph-kit/loaders';
import { observedBatch, type SubgraphMetrics } from '../../../../subgraph-kit/metrics';
import type { Principal } from '../../../../lib/principal';
import type { AssetDocument } from './asset-document';
import { AssetRepository } from './asset-repository';

/** What the resolvers of one request use to reach the data. Created per request, never shared. */
export interface AssetLoaders {
  repository: AssetRepository;
  assetByUid: DataLoader<string, AssetDocument | null>;
  /** One owner's page of assets; owners asked for the same page in one tick share one aggregate. */
  ownedAssets: PageLoader<PageRequest, AssetDocument>;
}

/**
 * Builds one request's loaders for one principal. The collection is scoped to the principal's tenant here,
 * so every key and every batch below belongs to that tenant. With metrics, each batch's size is recorded
 * under the loader's name.
 */
export function createAssetLoaders(collection: DocumentCollection<AssetDocument>, principal: Principal, metrics?: SubgraphMetrics): AssetLoaders {
  const repository = new AssetRepository(new TenantScopedCollection(collection, principal.tenant));
  return {
    repository,
    assetByUid: new DataLoader(observedBatch('assetByUid', metrics, async (uids) => oneForEachKey(uids, await repository.findByUids(uids), (asset) => asset.uid))),
    ownedAssets: createPageLoader('ownedAssets', metrics, (ownerUids, page) => repository.pagesByOwner(ownerUids, page)),
  };
}
