import type { UserRow } from '../data/rows';
import type { IdentityContext } from './context';
import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';

export const User = {
  __resolveReference: (reference: EntityReference, context: IdentityContext) => context.loaders.user.load(uidOf(reference)),
  manager: (user: UserRow, _: unknown, context: IdentityContext) => (user.managerUid ? context.loaders.user.load(user.managerUid) : null),
  groups: (user: UserRow, _: unknown, context: IdentityContext) => context.loaders.groupsOfUser.load(user.uid),
  roles: (user: UserRow, _: unknown, context: IdentityContext) => context.loaders.rolesOfUser.load(user.uid),
  accounts: (user: UserRow, _: unknown, context: IdentityContext) => context.loaders.accountsOfUser.load(user.uid),
};
