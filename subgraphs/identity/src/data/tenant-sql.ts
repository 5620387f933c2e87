import type { MigratedDatabase, SqlExecutor } from '../../../../subgraph-kit/sql';

/** The role the service reads through (migration 002); it owns nothing and may only SELECT. */
export const READER_ROLE = 'palisade_identity_reader';

/** Tenants are short identifiers; anything else is refused before it reaches SQL. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Statements for one tenant: each runs in its own transaction as the reader role with `palisade.tenant` set,
 * so PostgreSQL's row-level security, not only the repositories' WHERE clauses, keeps tenants apart. One
 * statement per batch of keys, sent with its transaction in one round trip (SqlDatabase.transactionQuery).
 *
 * Why SET LOCAL in a transaction per statement: it ends with the transaction, which ends with the statement
 * however the statement ends, so a pooled connection never carries a tenant to its next user. A setting made
 * once per connection could; and set_config inside the statement itself is not ordered before the policies read
 * current_setting (on PostgreSQL 15 one such statement saw a tenant's rows or none, by its join order).
 */
export function tenantSql(store: MigratedDatabase, tenant: string): SqlExecutor {
  return store.statements(`SET LOCAL ROLE ${READER_ROLE}; ${tenantSetting(tenant)}`);
}

/**
 * Statements that write one tenant's rows, each in its own transaction, as the service's own role (the tables'
 * owner, which may write) with `palisade.tenant` set: row-level security binds the owner too (FORCE), so it
 * cannot write another tenant's. A statement is atomic; one that must not commit what it wrote refuses itself.
 */
export function tenantWriteSql(store: MigratedDatabase, tenant: string): SqlExecutor {
  return store.statements(tenantSetting(tenant));
}

function tenantSetting(tenant: string): string {
  if (!TENANT.test(tenant)) throw new RangeError(`not a tenant identifier: ${JSON.stringify(tenant)}`);
  return `SET LOCAL palisade.tenant = '${tenant}'`;
}
