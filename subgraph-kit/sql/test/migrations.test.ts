import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MigrationError, PostgresDatabase, readMigrations, runMigrations, type SqlDatabase } from '..';
import { createTestDatabase, type TestDatabase } from '../test-database';

describe(`migrations on ${process.env.DATABASE_URL ? 'the PostgreSQL server at DATABASE_URL' : 'PGlite in memory'}`, () => {
  let testDatabase: TestDatabase;
  let database: SqlDatabase;
  let directory: string;

  const write = (files: Record<string, string>) => {
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(directory, name), sql);
  };
  const tables = async () =>
    (await database.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((t) => t.name);
  const recorded = async () => (await database.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = testDatabase.database;
  });
  afterAll(() => testDatabase.close());
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'palisade-migrations-'));
    await database.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('applies the files in version order, records them, and applies nothing the second time', async () => {
    write({
      '002_add_teams_owner.sql': 'ALTER TABLE teams ADD COLUMN owner text;',
      '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY);\nCREATE INDEX teams_uid ON teams (uid);',
      'README.md': 'not a migration',
    });
    expect(await runMigrations(database, readMigrations(directory))).toEqual(['001', '002']);
    expect(await tables()).toEqual(['schema_migrations', 'teams']);
    expect(await recorded()).toEqual(['001', '002']);
    await database.query("INSERT INTO teams (uid, owner) VALUES ('t1', 'alice')");

    expect(await runMigrations(database, readMigrations(directory))).toEqual([]);
    write({ '003_create_people.sql': 'CREATE TABLE people (uid text PRIMARY KEY);' });
    expect(await runMigrations(database, readMigrations(directory))).toEqual(['003']);
    expect(await recorded()).toEqual(['001', '002', '003']);
  });

  it('applies nothing when one pending migration fails: no table, no record', async () => {
    write({ '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY);' });
    await runMigrations(database, readMigrations(directory));
    write({
      '002_create_people.sql': 'CREATE TABLE people (uid text PRIMARY KEY);',
      '003_broken.sql': 'CREATE TABLE things (uid text PRIMARY KEY);\nALTER TABLE missing ADD COLUMN x int;',
    });
    await expect(runMigrations(database, readMigrations(directory))).rejects.toMatchObject({ code: '42P01' });
    expect(await tables()).toEqual(['schema_migrations', 'teams']);
    expect(await recorded()).toEqual(['001']);
  });

  it('refuses a migration file that changed after it was applied', async () => {
    write({ '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY);' });
    await runMigrations(database, readMigrations(directory));
    write({ '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY, name text);' });
    await expect(runMigrations(database, readMigrations(directory))).rejects.toThrow(
      new MigrationError('migration 001_create_teams was changed after it was applied; add a new migration instead'),
    );
  });

  it('does not count a change of line endings as a change', async () => {
    write({ '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY);\nCREATE TABLE people (uid text PRIMARY KEY);\n' });
    await runMigrations(database, readMigrations(directory));
    write({ '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY);\r\nCREATE TABLE people (uid text PRIMARY KEY);\r\n' });
    expect(await runMigrations(database, readMigrations(directory))).toEqual([]);
  });

  it('refuses two files with one version', () => {
    write({ '001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;' });
    expect(() => readMigrations(directory)).toThrow(MigrationError);
  });

  it('lets replicas that start at the same time apply each migration exactly once', async () => {
    write({
      '001_create_teams.sql': 'CREATE TABLE teams (uid text PRIMARY KEY);',
      '002_create_people.sql': 'CREATE TABLE people (uid text PRIMARY KEY);',
    });
    // On a server each replica has its own pool; PGlite has one connection, so the replicas share it.
    const replicas = testDatabase.url ? [0, 1, 2].map(() => new PostgresDatabase(testDatabase.url!)) : [database, database, database];
    try {
      const results = await Promise.all(replicas.map((replica) => runMigrations(replica, readMigrations(directory))));
      expect(results.flat().sort()).toEqual(['001', '002']);
      expect(await recorded()).toEqual(['001', '002']);
    } finally {
      if (testDatabase.url) await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
