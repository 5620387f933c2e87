import { readPageRequest, toConnection } from '../../../../subgraph-kit/connection';
import { nameCursorKey, type GroupRow } from '../data/rows';
import type { IdentityContext, PageArgs } from './context';
import { uidOf } from './reference';

export const Group = {
  __resolveReference: (reference: { uid?: unknown }, context: IdentityContext) => context.loaders.group.load(uidOf(reference)),

  async members(group: GroupRow, args: PageArgs, context: IdentityContext) {
    const page = readPageRequest(args, 2);
    const { rows, totalCount } = await context.loaders.membersOfGroup(page).load(group.uid);
    return toConnection(rows, page.first, totalCount, nameCursorKey);
  },
};
