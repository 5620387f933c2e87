import type { PreparedDatabase, SqlExecutor, SqlParameter } from '../../../../subgraph-kit/sql';

/** The role the service reads through (migration 002); it owns nothing and may only SELECT. */
export const READER_ROLE = 'palisade_identity_reader';

/** Tenants are short identifiers; anything else is refused before it reaches SQL. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Statements for one tenant: each runs in its own transaction as the reader role with `palisade.tenant`
 * set, so PostgreSQL's row-level security, not only the repositories' WHERE clauses, keeps tenants apart.
 * The settings travel with BEGIN: three round trips per statement (BEGIN and settings, the statement, COMMIT),
 * and one statement per batch of keys.
 */
export function tenantSql(store: PreparedDatabase, tenant: string): SqlExecutor {
  if (!TENANT.test(tenant)) throw new RangeError(`not a tenant identifier: ${JSON.stringify(tenant)}`);
  const setup = `SET LOCAL ROLE ${READER_ROLE}; SET LOCAL palisade.tenant = '${tenant}'`;
  return {
    async query<R extends object>(text: string, params?: readonly SqlParameter[]): Promise<R[]> {
      await store.prepare();
      return store.database.transaction((tx) => tx.query<R>(text, params), { setup });
    },
    async exec(script: string): Promise<void> {
      await store.prepare();
      await store.database.transaction((tx) => tx.exec(script), { setup });
    },
  };
}
