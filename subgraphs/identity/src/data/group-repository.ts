import type { Page, PageRequest } from '../../../../subgraph-kit/connection';
import type { SqlExecutor, SqlParameter } from '../../../../subgraph-kit/sql';
import { nameKeyAfter } from './keyset';
import type { GroupRow } from './rows';

const GROUP_COLUMNS = 'g.uid, g.tenant, g.name, g.description, g.privileges';

/** The groups of one tenant. Every statement binds the tenant as $1. */
export class GroupRepository {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly tenant: string,
  ) {}

  /** The groups with these uids, in no particular order; uids of other tenants or of no group are left out. */
  byUids(uids: readonly string[]): Promise<GroupRow[]> {
    return this.sql.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.tenant = $1 AND g.uid = ANY($2::text[])`, [this.tenant, uids]);
  }

  /** A page of all groups, sorted by name then uid. Two statements: the page and the count. */
  async page(page: PageRequest): Promise<Page<GroupRow>> {
    const params: SqlParameter[] = [this.tenant];
    const bind = (value: SqlParameter) => `$${params.push(value)}`;
    const after = nameKeyAfter(page);
    const keyset = after ? `AND (g.name, g.uid) > (${bind(after[0])}, ${bind(after[1])})` : '';
    const limit = bind(page.first + 1);
    const [rows, [{ totalCount }]] = await Promise.all([
      this.sql.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.tenant = $1 ${keyset} ORDER BY g.name, g.uid LIMIT ${limit}`, params),
      this.sql.query<{ totalCount: number }>('SELECT count(*)::int AS "totalCount" FROM groups WHERE tenant = $1', [this.tenant]),
    ]);
    return { rows, totalCount };
  }

  /** The groups of several users in one statement, each row with the user it belongs to, sorted by name then uid. */
  ofUsers(userUids: readonly string[]): Promise<Array<GroupRow & { userUid: string }>> {
    return this.sql.query(
      `SELECT m.user_uid AS "userUid", ${GROUP_COLUMNS}
         FROM group_memberships m JOIN groups g ON g.tenant = m.tenant AND g.uid = m.group_uid
        WHERE m.tenant = $1 AND m.user_uid = ANY($2::text[])
        ORDER BY g.name, g.uid`,
      [this.tenant, userUids],
    );
  }
}
