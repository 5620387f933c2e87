import { MigratedDatabase } from '../../../subgraph-kit/sql';
import { READER_ROLE, tenantSql } from '../src/data/tenant-sql';
import { startIdentity, usersOf, type IdentityFixture } from './support';

const TABLES = ['users', 'groups', 'roles', 'accounts', 'group_memberships', 'role_assignments'];

describe('row-level security in the identity database', () => {
  let fixture: IdentityFixture;
  let store: MigratedDatabase;

  beforeAll(async () => {
    fixture = await startIdentity();
    store = new MigratedDatabase(fixture.testDatabase.database, async () => undefined);
  });
  afterAll(() => fixture.close());

  it('is enabled and forced on every table, with a policy that checks reads and writes', async () => {
    const rows = await fixture.testDatabase.database.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      'SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1::text[]) ORDER BY relname',
      [TABLES],
    );
    expect(rows).toHaveLength(TABLES.length);
    for (const row of rows) expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    const policies = await fixture.testDatabase.database.query<{ tablename: string; qual: string; with_check: string }>(
      "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = 'tenant_isolation'",
    );
    expect(policies.map((p) => p.tablename).sort()).toEqual([...TABLES].sort());
    for (const policy of policies) {
      expect(policy.qual).toContain("current_setting('palisade.tenant'");
      expect(policy.with_check).toContain("current_setting('palisade.tenant'");
    }
  });

  it('shows a statement without any tenant filter only the tenant of the principal', async () => {
    const globex = tenantSql(store, 'globex');
    const tenants = await globex.query<{ tenant: string }>('SELECT DISTINCT tenant FROM users');
    expect(tenants).toEqual([{ tenant: 'globex' }]);
    const [{ count }] = await globex.query<{ count: number }>('SELECT count(*)::int AS count FROM users');
    expect(count).toBe(usersOf('globex').length);
    for (const table of TABLES) {
      const leaked = await globex.query(`SELECT 1 FROM ${table} WHERE tenant <> 'globex' LIMIT 1`);
      expect(leaked).toEqual([]);
    }
  });

  it('reads as a role that is not the owner and cannot write', async () => {
    const acme = tenantSql(store, 'acme');
    const [{ role }] = await acme.query<{ role: string }>('SELECT current_user AS role');
    expect(role).toBe(READER_ROLE);
    await expect(acme.query("UPDATE users SET name = 'x' WHERE uid = 'usr-acme-00001'")).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses a write for another tenant than the one set (WITH CHECK)', async () => {
    // The reader role may not write at all; grant it INSERT inside one transaction, which is rolled back.
    const attempt = fixture.testDatabase.database.transaction(async (tx) => {
      await tx.exec(`GRANT INSERT ON users TO ${READER_ROLE}; SET LOCAL ROLE ${READER_ROLE}; SET LOCAL palisade.tenant = 'globex'`);
      await tx.query("INSERT INTO users (uid, tenant, name, type, risk_level) VALUES ('usr-planted', 'acme', 'Planted', 'USER', 'LOW')");
    });
    await expect(attempt).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('row-level security') });
    const planted = await fixture.testDatabase.database.query("SELECT 1 FROM users WHERE uid = 'usr-planted'");
    expect(planted).toEqual([]);
  });

  it('shows nothing when no tenant is set', async () => {
    const rows = await fixture.testDatabase.database.transaction((tx) => tx.query('SELECT count(*)::int AS count FROM users'), { setup: `SET LOCAL ROLE ${READER_ROLE}` });
    expect(rows).toEqual([{ count: 0 }]);
  });

  it('refuses a tenant that is not an identifier before it reaches SQL', () => {
    expect(() => tenantSql(store, "acme'; DROP TABLE users; --")).toThrow(RangeError);
    expect(() => tenantSql(store, '')).toThrow(RangeError);
  });
});
