import type { Page, PageRequest } from '../../../../subgraph-kit/connection';
import type { SqlExecutor, SqlParameter } from '../../../../subgraph-kit/sql';
import { nameKeyAfter } from './keyset';
import type { UserRow, UserType } from './rows';

/** UserFilter as GraphQL hands it over. */
export interface UserFilter {
  /** null or absent: any type; an empty list matches no user. */
  type?: UserType[] | null;
  groupUid?: string | null;
  hasMfa?: boolean | null;
}

const USER_COLUMNS = `u.uid, u.tenant, u.name, u.email, u.type, u.has_mfa AS "hasMfa", u.risk_level AS "riskLevel",
  u.department, u.title, u.manager_uid AS "managerUid", u.created_at AS "createdAt"`;

/** The users of one tenant. Every statement binds the tenant as $1. */
export class UserRepository {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly tenant: string,
  ) {}

  /** The users with these uids, in no particular order; uids of other tenants or of no user are left out. */
  byUids(uids: readonly string[]): Promise<UserRow[]> {
    return this.sql.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.tenant = $1 AND u.uid = ANY($2::text[])`, [this.tenant, uids]);
  }

  /** A page of the users that pass the filter, sorted by name then uid. Two statements: the page and the count. */
  async page(filter: UserFilter, page: PageRequest): Promise<Page<UserRow>> {
    const params: SqlParameter[] = [this.tenant];
    const bind = (value: SqlParameter) => `$${params.push(value)}`;
    const conditions = ['u.tenant = $1'];
    if (filter.type) conditions.push(`u.type = ANY(${bind(filter.type)}::text[])`);
    if (filter.hasMfa !== null && filter.hasMfa !== undefined) conditions.push(`u.has_mfa = ${bind(filter.hasMfa)}`);
    if (filter.groupUid !== null && filter.groupUid !== undefined) {
      conditions.push(`EXISTS (SELECT 1 FROM group_memberships m WHERE m.tenant = u.tenant AND m.group_uid = ${bind(filter.groupUid)} AND m.user_uid = u.uid)`);
    }
    const countParams = [...params];
    const countQuery = `SELECT count(*)::int AS "totalCount" FROM users u WHERE ${conditions.join(' AND ')}`;

    const after = nameKeyAfter(page);
    if (after) conditions.push(`(u.name, u.uid) > (${bind(after[0])}, ${bind(after[1])})`);
    const limit = bind(page.first + 1);
    const [rows, [{ totalCount }]] = await Promise.all([
      this.sql.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE ${conditions.join(' AND ')} ORDER BY u.name, u.uid LIMIT ${limit}`, params),
      this.sql.query<{ totalCount: number }>(countQuery, countParams),
    ]);
    return { rows, totalCount };
  }

  /**
   * The same page of members for each of several groups, in two statements whatever the number of groups:
   * the pages (a LATERAL subquery per group) and the counts.
   */
  async membersOfGroups(groupUids: readonly string[], page: PageRequest): Promise<Map<string, Page<UserRow>>> {
    const params: SqlParameter[] = [this.tenant, groupUids];
    const bind = (value: SqlParameter) => `$${params.push(value)}`;
    const after = nameKeyAfter(page);
    const keyset = after ? `AND (u.name, u.uid) > (${bind(after[0])}, ${bind(after[1])})` : '';
    const limit = bind(page.first + 1);
    const [rows, counts] = await Promise.all([
      this.sql.query<UserRow & { groupUid: string }>(
        `SELECT g.uid AS "groupUid", member.*
           FROM unnest($2::text[]) AS g(uid)
           CROSS JOIN LATERAL (
             SELECT ${USER_COLUMNS}
               FROM group_memberships m JOIN users u ON u.tenant = m.tenant AND u.uid = m.user_uid
              WHERE m.tenant = $1 AND m.group_uid = g.uid ${keyset}
              ORDER BY u.name, u.uid
              LIMIT ${limit}
           ) AS member
          ORDER BY g.uid, member.name, member.uid`,
        params,
      ),
      this.sql.query<{ groupUid: string; totalCount: number }>(
        `SELECT group_uid AS "groupUid", count(*)::int AS "totalCount" FROM group_memberships
          WHERE tenant = $1 AND group_uid = ANY($2::text[]) GROUP BY group_uid`,
        [this.tenant, groupUids],
      ),
    ]);
    const pages = new Map<string, Page<UserRow>>(groupUids.map((uid) => [uid, { rows: [], totalCount: 0 }]));
    for (const { groupUid, ...user } of rows) pages.get(groupUid)?.rows.push(user);
    for (const { groupUid, totalCount } of counts) {
      const groupPage = pages.get(groupUid);
      if (groupPage) groupPage.totalCount = totalCount;
    }
    return pages;
  }
}
