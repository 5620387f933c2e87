import { toConnection, type PageArgs } from '../../../../subgraph-kit/connection';
import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { assetCursorKey } from '../data/asset-repository';
import type { AssetLoaders } from '../data/loaders';
import { readAssetPageRequest } from './page-request';

type Context = SubgraphContext<AssetLoaders>;

/** identity owns users; this subgraph adds the assets they own. */
export const User = {
  __resolveReference: (reference: EntityReference) => ({ uid: uidOf(reference) }),

  async ownedAssets(user: { uid: string }, args: PageArgs, { loaders }: Context) {
    const page = readAssetPageRequest(args);
    return toConnection(await loaders.ownedAssets(user.uid, page), page.first, assetCursorKey);
  },
};
