import DataLoader from 'dataloader';
import type { PageRequest } from '../../../../subgraph-kit/connection';
import type { Principal } from '../../../../lib/principal';
import type { PreparedDatabase } from '../../../../subgraph-kit/sql';
import { observedBatch, type SubgraphMetrics } from '../../../../subgraph-kit/metrics';
import { AccountRepository } from './account-repository';
import { allForEachKey, oneForEachKey } from './batch';
import { GroupRepository } from './group-repository';
import { RoleRepository } from './role-repository';
import type { AccountRow, GroupRow, Page, RoleRow, UserRow } from './rows';
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
  /** Members of groups, one loader per page request: groups asked for the same page share one batch. */
  membersOfGroup(page: PageRequest): DataLoader<string, Page<UserRow>>;
  users: UserRepository;
  groups: GroupRepository;
}

/**
 * Returns the per-request factory that the HTTP server calls with the verified principal. The tenant of every
 * repository, and so of every batch, is the principal's; loaders live for one request and are never shared.
 * With metrics, each batch's size is recorded under the loader's name.
 */
export function identityLoaderFactory(store: PreparedDatabase, metrics?: SubgraphMetrics): (principal: Principal) => IdentityLoaders {
  return (principal) => {
    const sql = tenantSql(store, principal.tenant);
    const users = new UserRepository(sql, principal.tenant);
    const groups = new GroupRepository(sql, principal.tenant);
    const roles = new RoleRepository(sql, principal.tenant);
    const accounts = new AccountRepository(sql, principal.tenant);
    const memberLoaders = new Map<string, DataLoader<string, Page<UserRow>>>();
    return {
      user: new DataLoader(observedBatch('user', metrics, async (uids) => oneForEachKey(uids, await users.byUids(uids), (row) => row.uid))),
      group: new DataLoader(observedBatch('group', metrics, async (uids) => oneForEachKey(uids, await groups.byUids(uids), (row) => row.uid))),
      groupsOfUser: new DataLoader(observedBatch('groupsOfUser', metrics, async (uids) => allForEachKey(uids, await groups.ofUsers(uids), 'userUid'))),
      rolesOfUser: new DataLoader(observedBatch('rolesOfUser', metrics, async (uids) => allForEachKey(uids, await roles.ofUsers(uids), 'userUid'))),
      accountsOfUser: new DataLoader(observedBatch('accountsOfUser', metrics, async (uids) => allForEachKey(uids, await accounts.ofUsers(uids), 'userUid'))),
      membersOfGroup(page) {
        const key = JSON.stringify([page.first, page.after ?? null]);
        let loader = memberLoaders.get(key);
        if (!loader) {
          loader = new DataLoader(
            observedBatch('membersOfGroup', metrics, async (groupUids) => {
              const pages = await users.membersOfGroups(groupUids, page);
              return groupUids.map((uid) => pages.get(uid) ?? { rows: [], totalCount: 0 });
            }),
          );
          memberLoaders.set(key, loader);
        }
        return loader;
      },
      users,
      groups,
    };
  };
}
