import { readPageRequest, toConnection, type PageArgs } from '../../../../subgraph-kit/connection';
import { nameCursorKey } from '../data/rows';
import type { UserFilter } from '../data/user-repository';
import type { IdentityContext } from './context';

export const Query = {
  user: (_: unknown, args: { uid: string }, context: IdentityContext) => context.loaders.user.load(args.uid),

  async users(_: unknown, args: PageArgs & { filter?: UserFilter | null }, context: IdentityContext) {
    const page = readPageRequest(args, 2);
    return toConnection(await context.loaders.users.page(args.filter ?? {}, page), page.first, nameCursorKey);
  },

  group: (_: unknown, args: { uid: string }, context: IdentityContext) => context.loaders.group.load(args.uid),

  async groups(_: unknown, args: PageArgs, context: IdentityContext) {
    const page = readPageRequest(args, 2);
    return toConnection(await context.loaders.groups.page(page), page.first, nameCursorKey);
  },
};
