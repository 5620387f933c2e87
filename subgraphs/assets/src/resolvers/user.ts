import { toConnection } from '../../../../subgraph-kit/connection';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { assetCursorKey } from '../data/asset-repository';
import type { AssetLoaders } from '../data/loaders';
import { readAssetPageRequest, type PageArgs } from './page-request';

type Context = SubgraphContext<AssetLoaders>;

/** identity owns users; this subgraph adds the assets they own. */
export const User = {
  __resolveReference: (reference: { uid: string }) => ({ uid: reference.uid }),

  async ownedAssets(user: { uid: string }, args: PageArgs, { loaders }: Context) {
    const page = readAssetPageRequest(args);
    const { rows, totalCount } = await loaders.ownedAssets(user.uid, page);
    return toConnection(rows, page.first, totalCount, assetCursorKey);
  },
};
