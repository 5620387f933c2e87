import { toConnection } from '../../../../subgraph-kit/connection';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { assetCursorKey, type AssetFilter } from '../data/asset-repository';
import type { AssetLoaders } from '../data/loaders';
import { readAssetPageRequest, type PageArgs } from './page-request';

type Context = SubgraphContext<AssetLoaders>;

export const Query = {
  asset: (_: unknown, args: { uid: string }, { loaders }: Context) => loaders.assetByUid.load(args.uid),

  async assets(_: unknown, args: PageArgs & { filter?: AssetFilter | null }, { loaders }: Context) {
    const page = readAssetPageRequest(args);
    const { rows, totalCount } = await loaders.repository.list(args.filter ?? {}, page);
    return toConnection(rows, page.first, totalCount, assetCursorKey);
  },
};
