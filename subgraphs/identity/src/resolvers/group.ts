import { readPageRequest, toConnection, type PageArgs } from '../../../../subgraph-kit/connection';
import { nameCursorKey, type GroupRow } from '../data/rows';
import type { IdentityContext } from './context';
import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';

export const Group = {
  __resolveReference: (reference: EntityReference, context: IdentityContext) => context.loaders.group.load(uidOf(reference)),

  async members(group: GroupRow, args: PageArgs, context: IdentityContext) {
    const page = readPageRequest(args, 2);
    return toConnection(await context.loaders.membersOfGroup(group.uid, page), page.first, nameCursorKey);
  },
};
