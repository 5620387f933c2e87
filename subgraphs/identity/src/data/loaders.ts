import DataLoader from 'dataloader';
import type { PageRequest } from '../../../../subgraph-kit/connection';
import { allForEachKey, createPageLoader, oneForEachKey, type PageLoader } from '../../../../subgraph-kit/loaders';
import { observedBatch, type SubgraphMetrics } from '../../../../subgraph-kit/metrics';
import type { MigratedDatabase } from '../../../../subgraph-kit/sql';
import type { Principal } from '../../../../lib/principal';
import { AccountRepository } from './account-repository';
import { GroupRepository } from './group-repository';
import { RoleRepository } from './role-repository';
import type { AccountRow, GroupRow, RoleRow, UserRow } from './rows';
import { tenantSql } from './tenant-sql';
import { UserRepository } from './user-repository';

/**
 * What resolvers read through, for one request and one tenant. The loaders batch every key asked for in one
 * tick into one statement; the repositories serve the lists, which are not batched.
 */
export interface IdentityLoaders {
  user: DataLoader<string, UserRow | null>;
  group: DataLoader<string, GroupRow | null>;
  groupsOfUser: DataLoader<string, GroupRow[]>;
  rolesOfUser: DataLoader<string, RoleRow[]>;
  accountsOfUser: DataLoader<string, AccountRow[]>;
  /** A page of a group's members: groups asked for the same page share one batch. */
  membersOfGroup: PageLoader<PageRequest, UserRow>;
  users: UserRepository;
  groups: GroupRepository;
}

/**
 * One request's loaders for its verified principal. The tenant of every repository, and so of every batch, is
 * the principal's; loaders live for one request and are never shared. With metrics, each batch's size is
 * recorded under the loader's name.
 */
export function createIdentityLoaders(store: MigratedDatabase, principal: Principal, metrics?: SubgraphMetrics): IdentityLoaders {
  const sql = tenantSql(store, principal.tenant);
  const users = new UserRepository(sql, principal.tenant);
  const groups = new GroupRepository(sql, principal.tenant);
  const roles = new RoleRepository(sql, principal.tenant);
  const accounts = new AccountRepository(sql, principal.tenant);
  return {
    user: new DataLoader(observedBatch('user', metrics, async (uids) => oneForEachKey(uids, await users.byUids(uids), (row) => row.uid))),
    group: new DataLoader(observedBatch('group', metrics, async (uids) => oneForEachKey(uids, await groups.byUids(uids), (row) => row.uid))),
    groupsOfUser: new DataLoader(observedBatch('groupsOfUser', metrics, async (uids) => allForEachKey(uids, await groups.ofUsers(uids), 'userUid'))),
    rolesOfUser: new DataLoader(observedBatch('rolesOfUser', metrics, async (uids) => allForEachKey(uids, await roles.ofUsers(uids), 'userUid'))),
    accountsOfUser: new DataLoader(observedBatch('accountsOfUser', metrics, async (uids) => allForEachKey(uids, await accounts.ofUsers(uids), 'userUid'))),
    membersOfGroup: createPageLoader('membersOfGroup', metrics, (groupUids, page) => users.membersOfGroups(groupUids, page)),
    users,
    groups,
  };
}
