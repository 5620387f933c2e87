import { toConnection, type PageArgs } from '../../../../subgraph-kit/connection';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { assetCursorKey, type AssetFilter } from '../data/asset-repository';
import type { AssetLoaders } from '../data/loaders';
import { readAssetPageRequest } from './page-request';

type Context = SubgraphContext<AssetLoaders>;

export const Query = {
  asset: (_: unknown, args: { uid: string }, { loaders }: Context) => loaders.assetByUid.load(args.uid),

  async assets(_: unknown, args: PageArgs & { filter?: AssetFilter | null }, { loaders }: Context) {
    const page = readAssetPageRequest(args);
    return toConnection(await loaders.repository.list(args.filter ?? {}, page), page.first, assetCursorKey);
  },
};
