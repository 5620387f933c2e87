import DataLoader from 'dataloader';
import type { PageRequest } from '../../../../subgraph-kit/connection';
import { TenantScopedCollection, type DocumentCollection } from '../../../../subgraph-kit/documents';
import type { Principal } from '../../../../lib/principal';
import { observedBatch, type SubgraphMetrics } from '../../../../subgraph-kit/metrics';
import type { AssetDocument } from './asset-document';
import { AssetRepository, type AssetPage } from './asset-repository';

/** Loads one owner's page of assets; owners asked for the same page in one tick share one aggregate. */
export type OwnedAssetsLoader = (ownerUid: string, page: PageRequest) => Promise<AssetPage>;

/** What the resolvers of one request use to reach the data. Created per request, never shared. */
export interface AssetLoaders {
  repository: AssetRepository;
  assetByUid: DataLoader<string, AssetDocument | null>;
  ownedAssets: OwnedAssetsLoader;
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
    assetByUid: new DataLoader(
      observedBatch('assetByUid', metrics, async (uids) => {
        const byUid = new Map((await repository.findByUids(uids)).map((asset) => [asset.uid, asset]));
        return uids.map((uid) => byUid.get(uid) ?? null);
      }),
    ),
    ownedAssets: ownedAssetsLoader(repository, metrics),
  };
}

/** One DataLoader per distinct page request, so that each batch is one aggregate for owners that ask alike. */
function ownedAssetsLoader(repository: AssetRepository, metrics: SubgraphMetrics | undefined): OwnedAssetsLoader {
  const loaders = new Map<string, DataLoader<string, AssetPage>>();
  return (ownerUid, page) => {
    const key = JSON.stringify([page.first, page.after ?? null]);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(
        observedBatch('ownedAssets', metrics, async (ownerUids) => {
          const pages = await repository.pagesByOwner(ownerUids, page);
          return ownerUids.map((uid) => pages.get(uid) ?? { rows: [], totalCount: 0 });
        }),
      );
      loaders.set(key, loader);
    }
    return loader.load(ownerUid);
  };
}
