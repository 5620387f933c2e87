import { readUrl, requireInProduction } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { Readiness } from '../../lib/http-server';
import type { StoreKind } from '../store';
import { StoreUnavailableError } from '../store-errors';
import type { SqlDatabase } from './database';
import { MigratedDatabase } from './migrated-database';
import { readMigrations, runMigrations } from './migrations';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

export interface SqlStoreOptions {
  /** The directory of `NNN_name.sql` migrations, applied in one transaction at start. */
  migrationsDirectory: string;
  /** Inserts the demo data at a scale where there is none yet; returns how many records it inserted. */
  seed: (database: SqlDatabase, scale: number) => Promise<number>;
}

/**
 * A subgraph's SQL database: PostgreSQL when DATABASE_URL is set, PGlite in memory otherwise, migrated and
 * seeded at start. When PostgreSQL cannot be reached, the service still starts: it answers DATABASE_UNAVAILABLE
 * and /readyz 503, and migrates on the first query or readiness check that finds the database back. Every
 * statement of a request is bounded by statement_timeout (MigratedDatabase.statements).
 */
export function sqlStore(options: SqlStoreOptions): StoreKind<MigratedDatabase, SqlDatabase> {
  return {
    readUrl(env, service) {
      requireInProduction(env, 'DATABASE_URL', `the ${service} PostgreSQL database`);
      return readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
    },
    async open(settings) {
      const { service, logger } = settings;
      const database = settings.database ?? (await openSqlDatabase(settings.url, logger));
      database.observe = settings.observe;
      const store = new MigratedDatabase(database, (db) => setUpSqlDatabase(db, options, settings), settings.queryTimeoutMs);
      try {
        await store.ready();
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) {
          await database.close();
          throw error;
        }
        logger.error({ err: error }, `the ${service} database is unavailable; serving DATABASE_UNAVAILABLE until it answers`);
      }
      const readiness = async (): Promise<Readiness> => {
        try {
          await store.ready();
          await database.ping();
          return { ready: true, checks: { database: 'ok' } };
        } catch (error) {
          logger.warn({ err: error }, `readiness: the ${service} database is not ready`);
          return { ready: false, checks: { database: error instanceof StoreUnavailableError ? 'unavailable' : 'migration failed' } };
        }
      };
      return { store, stats: database.stats, readiness, close: () => database.close() };
    },
  };
}

/** Brings a database to the schema the code reads, and seeds demo data into it when a scale is given. */
export async function setUpSqlDatabase(database: SqlDatabase, options: SqlStoreOptions, settings: { demoDataScale: number; logger: Logger }): Promise<void> {
  const { demoDataScale: scale, logger } = settings;
  const applied = await runMigrations(database, readMigrations(options.migrationsDirectory));
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  if (scale > 0) {
    const seeded = await options.seed(database, scale);
    if (seeded > 0) logger.info({ seeded, scale }, 'demo data seeded');
  }
}

/**
 * PostgreSQL when a URL is given, PGlite in memory otherwise. The choice is made once, at start; production
 * refuses to run without a URL before this is reached (readUrl).
 */
async function openSqlDatabase(url: string | undefined, logger: Logger): Promise<SqlDatabase> {
  if (url) return new PostgresDatabase(url, { logger });
  return PgliteDatabase.open();
}
