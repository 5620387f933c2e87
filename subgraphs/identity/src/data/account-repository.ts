import type { SqlExecutor } from '../../../../subgraph-kit/sql';
import type { AccountRow } from './rows';

/** The accounts of one tenant. Every statement binds the tenant as $1. */
export class AccountRepository {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly tenant: string,
  ) {}

  /** The accounts of several users in one statement, each row with its user, sorted by type then uid. */
  ofUsers(userUids: readonly string[]): Promise<Array<AccountRow & { userUid: string }>> {
    return this.sql.query(
      `SELECT user_uid AS "userUid", uid, name, type FROM accounts
        WHERE tenant = $1 AND user_uid = ANY($2::text[])
        ORDER BY type, uid`,
      [this.tenant, userUids],
    );
  }
}
