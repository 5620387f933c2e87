import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlDatabase } from './database';

/** One file `NNN_name.sql` of a migrations directory. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
  /** SHA-256 of the file with line endings normalized; a changed file is refused, not silently skipped. */
  checksum: string;
}

/** A migrations directory or the schema_migrations table disagrees with what the code expects; the service cannot start. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Reads the migrations of a directory in version order. Other files are ignored; two files with one version are refused. */
export function readMigrations(directory: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(directory).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    const [, version, name] = match;
    if (migrations.some((m) => m.version === version)) throw new MigrationError(`two migrations in ${directory} have version ${version}`);
    const sql = readFileSync(join(directory, file), 'utf8').replace(/\r\n/g, '\n');
    migrations.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies the migrations that the database has not recorded yet, in version order, in one transaction: either
 * all of them are applied and recorded in schema_migrations, or none is. Returns the versions applied now.
 */
export async function runMigrations(database: SqlDatabase, migrations: Migration[]): Promise<string[]> {
  return database.transaction(async (tx) => {
    // Replicas that start together queue here; each one after the first finds the work recorded and applies nothing.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['palisade.schema_migrations']);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const recorded = await tx.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const checksums = new Map(recorded.map((row) => [row.version, row.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = checksums.get(migration.version);
      if (checksum === migration.checksum) continue;
      if (checksum !== undefined) {
        throw new MigrationError(`migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`);
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      applied.push(migration.version);
    }
    return applied;
  });
}
