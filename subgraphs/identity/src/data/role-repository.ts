import type { SqlExecutor } from '../../../../subgraph-kit/sql';
import type { RoleRow } from './rows';

/** The roles of one tenant. Every statement binds the tenant as $1. */
export class RoleRepository {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly tenant: string,
  ) {}

  /** The roles of several users in one statement, each row with the user it is assigned to, sorted by name then uid. */
  ofUsers(userUids: readonly string[]): Promise<Array<RoleRow & { userUid: string }>> {
    return this.sql.query(
      `SELECT a.user_uid AS "userUid", r.uid, r.name, r.description
         FROM role_assignments a JOIN roles r ON r.tenant = a.tenant AND r.uid = a.role_uid
        WHERE a.tenant = $1 AND a.user_uid = ANY($2::text[])
        ORDER BY r.name, r.uid`,
      [this.tenant, userUids],
    );
  }
}
