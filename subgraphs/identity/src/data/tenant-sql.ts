import type { MigratedDatabase, SqlExecutor } from '../../../../subgraph-kit/sql';

/** The role the service reads through (migration 002); it owns nothing and may only SELECT. */
export const READER_ROLE = 'palisade_identity_reader';

/** Tenants are short identifiers; anything else is refused before it reaches SQL. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Statements for one tenant: each runs in its own transaction as the reader role with `palisade.tenant` set,
 * so PostgreSQL's row-level security, not only the repositories' WHERE clauses, keeps tenants apart. One
 * statement per batch of keys.
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
