import { readPageRequest, toConnection } from '../../../../subgraph-kit/connection';
import { nameCursorKey } from '../data/rows';
import type { UserFilter } from '../data/user-repository';
import type { IdentityContext, PageArgs } from './context';

export const Query = {
  user: (_: unknown, args: { uid: string }, context: IdentityContext) => context.loaders.user.load(args.uid),

  async users(_: unknown, args: PageArgs & { filter?: UserFilter | null }, context: IdentityContext) {
    const page = readPageRequest(args, 2);
    const { rows, totalCount } = await context.loaders.users.page(args.filter ?? {}, page);
    return toConnection(rows, page.first, totalCount, nameCursorKey);
  },

  group: (_: unknown, args: { uid: string }, context: IdentityContext) => context.loaders.group.load(args.uid),

  async groups(_: unknown, args: PageArgs, context: IdentityContext) {
    const page = readPageRequest(args, 2);
    const { rows, totalCount } = await context.loaders.groups.page(page);
    return toConnection(rows, page.first, totalCount, nameCursorKey);
  },
};
