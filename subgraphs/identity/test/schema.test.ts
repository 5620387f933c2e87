import { DatabaseError } from 'pg';
import { generateDemoData } from '../../../demo-data';
import { PostgresDatabase, setUpSqlDatabase, type SqlDatabase } from '../../../subgraph-kit/sql';
import { createTestDatabase, type TestDatabase } from '../../../subgraph-kit/sql/test-database';
import { IDENTITY_DATABASE } from '../src/data/identity-database';
import { seedDemoData } from '../src/data/seed';
import { silentLogger } from './support';

const TABLES = ['users', 'groups', 'roles', 'accounts', 'group_memberships', 'role_assignments'];

describe('identity schema and demo data', () => {
  let testDatabase: TestDatabase;
  let database: SqlDatabase;
  const count = async (table: string) => (await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  const emptyAll = () => database.exec(`TRUNCATE ${TABLES.join(', ')}`);

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = testDatabase.database;
    await setUpSqlDatabase(database, IDENTITY_DATABASE, { demoDataScale: 0, logger: silentLogger });
  });
  afterAll(() => testDatabase.close());

  it('creates every table empty when no demo data is asked for', async () => {
    for (const table of TABLES) expect(await count(table)).toBe(0);
    expect(await database.query('SELECT version, name FROM schema_migrations')).toEqual([
      { version: '001', name: 'initial_schema' },
      { version: '002', name: 'row_level_security' },
      { version: '003', name: 'ingestion_versions' },
      { version: '004', name: 'refuse' },
    ]);
  });

  describe('constraints', () => {
    beforeAll(async () => {
      await emptyAll();
      await database.exec(`
        INSERT INTO users (uid, tenant, name, type, risk_level) VALUES ('u-acme', 'acme', 'A', 'USER', 'LOW'), ('u-globex', 'globex', 'G', 'USER', 'LOW');
        INSERT INTO groups (uid, tenant, name) VALUES ('g-acme', 'acme', 'Admins'), ('g-globex', 'globex', 'Admins');
        INSERT INTO roles (uid, tenant, name) VALUES ('r-acme', 'acme', 'Auditor');`);
    });

    const rejects = async (statement: string, code: string) => {
      const error = await database.query(statement).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ code });
    };

    it('refuses values outside the GraphQL enums', async () => {
      await rejects("INSERT INTO users (uid, tenant, name, type, risk_level) VALUES ('u2', 'acme', 'B', 'ROBOT', 'LOW')", '23514');
      await rejects("INSERT INTO users (uid, tenant, name, type, risk_level) VALUES ('u2', 'acme', 'B', 'USER', 'EXTREME')", '23514');
      await rejects("INSERT INTO accounts (uid, tenant, user_uid, name, type) VALUES ('a1', 'acme', 'u-acme', 'a', 'FLOPPY')", '23514');
    });

    it('refuses a row without a tenant', async () => {
      await rejects("INSERT INTO users (uid, name, type, risk_level) VALUES ('u3', 'C', 'USER', 'LOW')", '23502');
    });

    it('refuses references into another tenant: membership, role assignment, account, manager', async () => {
      await rejects("INSERT INTO group_memberships (tenant, group_uid, user_uid) VALUES ('acme', 'g-globex', 'u-acme')", '23503');
      await rejects("INSERT INTO group_memberships (tenant, group_uid, user_uid) VALUES ('acme', 'g-acme', 'u-globex')", '23503');
      await rejects("INSERT INTO role_assignments (tenant, role_uid, user_uid) VALUES ('globex', 'r-acme', 'u-globex')", '23503');
      await rejects("INSERT INTO accounts (uid, tenant, user_uid, name, type) VALUES ('a2', 'acme', 'u-globex', 'a', 'LDAP')", '23503');
      await rejects("UPDATE users SET manager_uid = 'u-globex' WHERE uid = 'u-acme'", '23503');
      await database.query("INSERT INTO group_memberships (tenant, group_uid, user_uid) VALUES ('acme', 'g-acme', 'u-acme')");
      expect(await count('group_memberships')).toBe(1);
    });
  });

  describe('seeding', () => {
    beforeEach(emptyAll);

    it('inserts all of the demo identity data with one statement per table, in one transaction', async () => {
      const identity = generateDemoData({ scale: 0.1 }).identity;
      const before = database.stats.roundTrips;
      expect(await seedDemoData(database, 0.1)).toBe(identity.users.length);
      // BEGIN, lock, then per tenant: set the tenant, emptiness check, six INSERTs; COMMIT.
      expect(database.stats.roundTrips - before).toBe(1 + 1 + 2 * 8 + 1);
      expect(await count('users')).toBe(identity.users.length);
      expect(await count('groups')).toBe(identity.groups.length);
      expect(await count('roles')).toBe(identity.roles.length);
      expect(await count('accounts')).toBe(identity.accounts.length);
      expect(await count('group_memberships')).toBe(identity.memberships.length);
      expect(await count('role_assignments')).toBe(identity.roleAssignments.length);
      const [group] = await database.query<{ privileges: string[] }>('SELECT privileges FROM groups WHERE uid = $1', [identity.groups[0].uid]);
      expect(group.privileges).toEqual(identity.groups[0].privileges);
    });

    it('seeds nothing into a database that has users', async () => {
      await seedDemoData(database, 0.1);
      const users = await count('users');
      expect(await seedDemoData(database, 0.5)).toBe(0);
      expect(await count('users')).toBe(users);
    });

    it('seeds once when replicas start at the same time', async () => {
      const replicas = testDatabase.url ? [0, 1].map(() => new PostgresDatabase(testDatabase.url!)) : [database, database];
      try {
        const seeded = await Promise.all(replicas.map((replica) => seedDemoData(replica, 0.1)));
        expect(seeded.sort((a, b) => a - b)).toEqual([0, generateDemoData({ scale: 0.1 }).identity.users.length]);
      } finally {
        if (testDatabase.url) await Promise.all(replicas.map((replica) => replica.close()));
      }
    });

    it('inserts nothing when one row is refused', async () => {
      await database.exec("INSERT INTO roles (uid, tenant, name) VALUES ('rol-acme-00001', 'acme', 'Taken')");
      await expect(seedDemoData(database, 0.1)).rejects.toMatchObject({ code: '23505' });
      for (const table of TABLES) expect(await count(table)).toBe(table === 'roles' ? 1 : 0);
    });
  });
});
