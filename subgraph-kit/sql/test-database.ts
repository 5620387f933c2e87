import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { SqlDatabase } from './database';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

/** A fresh, empty database that belongs to one test file. */
export interface TestDatabase {
  database: SqlDatabase;
  /** Its URL on the PostgreSQL server, or undefined for PGlite. */
  url: string | undefined;
  /** Closes the database and, on a server, drops it. */
  close(): Promise<void>;
}

/**
 * With DATABASE_URL set, creates `palisade_test_<random>` on that server (dropped again by close); without it,
 * opens PGlite in memory. PGlite takes seconds to open, so a test file opens one and shares it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const database = await PgliteDatabase.open();
    return { database, url: undefined, close: () => database.close() };
  }
  // Generated from hex digits only, so it is safe to put into the statement text.
  const name = `palisade_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = new PostgresDatabase(url.toString());
  return {
    database,
    url: url.toString(),
    close: async () => {
      await database.close();
      await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
