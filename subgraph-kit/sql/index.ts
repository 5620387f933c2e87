export type { SqlDatabase, SqlExecutor, SqlOperation, SqlParameter, TransactionOptions } from './database';
export { PostgresDatabase } from './postgres';
export { PgliteDatabase } from './pglite';
export { MigrationError, readMigrations, runMigrations, type Migration } from './migrations';
export { MigratedDatabase } from './migrated-database';
export { setUpSqlDatabase, sqlStore, type SqlStoreOptions } from './sql-store';
