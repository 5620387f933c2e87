import { join } from 'node:path';
import type { Logger } from '../../../../lib/logger';
import { readMigrations, runMigrations, type SqlDatabase } from '../../../../subgraph-kit/sql';
import { seedDemoData } from './seed';

export const MIGRATIONS_DIRECTORY = join(__dirname, '..', '..', 'migrations');

/** Brings the identity database to the schema this code reads, and seeds demo data into an empty one when asked to. */
export async function prepareIdentityDatabase(database: SqlDatabase, demoDataScale: number, logger: Logger): Promise<void> {
  const applied = await runMigrations(database, readMigrations(MIGRATIONS_DIRECTORY));
  if (applied.length > 0) logger.info({ migrations: applied }, 'identity database migrated');
  if (demoDataScale > 0) {
    const users = await seedDemoData(database, demoDataScale);
    if (users > 0) logger.info({ users, scale: demoDataScale }, 'identity demo data seeded');
  }
}
