import type { Logger } from '../../lib/logger';
import type { SqlDatabase } from './database';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

export type { SqlDatabase, SqlExecutor, SqlOperation, SqlParameter, TransactionOptions } from './database';
export { PostgresDatabase } from './postgres';
export { PgliteDatabase } from './pglite';
export { MigrationError, readMigrations, runMigrations, type Migration } from './migrations';
export { PreparedDatabase } from './prepared-database';

/**
 * PostgreSQL when a URL is given, PGlite in memory otherwise. The choice is made once, at start; production
 * refuses to run without a URL before this is reached (config).
 */
export async function openSqlDatabase(url: string | undefined, options: { logger?: Logger } = {}): Promise<SqlDatabase> {
  if (url) return new PostgresDatabase(url, options);
  return PgliteDatabase.open();
}
