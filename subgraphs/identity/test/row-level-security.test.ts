import { MigratedDatabase } from '../../../subgraph-kit/sql';
import { StoreRefusedValueError } from '../../../subgraph-kit/store-errors';
import { AccountRepository } from '../src/data/account-repository';
import { GroupRepository } from '../src/data/group-repository';
import { RoleRepository } from '../src/data/role-repository';
import { READER_ROLE, tenantSql } from '../src/data/tenant-sql';
import { UserRepository } from '../src/data/user-repository';
import { demo, startIdentity, usersOf, type IdentityFixture } from './support';

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
    const rows = await fixture.testDatabase.database.transactionQuery('SELECT count(*)::int AS count FROM users', [], { setup: `SET LOCAL ROLE ${READER_ROLE}` });
    expect(rows).toEqual([{ count: 0 }]);
  });

  it('costs one round trip per statement of a repository', async () => {
    const sql = tenantSql(store, 'acme');
    const uids = usersOf('acme').slice(0, 10).map((u) => u.uid);
    const users = new UserRepository(sql, 'acme');
    const groups = new GroupRepository(sql, 'acme');
    const groupUids = demo.groups.filter((g) => g.tenant === 'acme').map((g) => g.uid);
    const calls: Array<[string, number, () => Promise<unknown>]> = [
      ['users.byUids', 1, () => users.byUids(uids)],
      ['users.page (the page and its count)', 2, () => users.page({ hasMfa: true }, { first: 5 })],
      ['users.membersOfGroups (the pages and their counts)', 2, () => users.membersOfGroups(groupUids, { first: 3 })],
      ['groups.byUids', 1, () => groups.byUids(groupUids)],
      ['groups.page (the page and its count)', 2, () => groups.page({ first: 5 })],
      ['groups.ofUsers', 1, () => groups.ofUsers(uids)],
      ['roles.ofUsers', 1, () => new RoleRepository(sql, 'acme').ofUsers(uids)],
      ['accounts.ofUsers', 1, () => new AccountRepository(sql, 'acme').ofUsers(uids)],
    ];
    for (const [name, statements, call] of calls) {
      const before = fixture.service.stats.roundTrips;
      await call();
      expect({ name, roundTrips: fixture.service.stats.roundTrips - before }).toEqual({ name, roundTrips: statements });
    }
  });

  it("shows a statement for one tenant only that tenant's rows, on the connection the statement for another tenant used just before", async () => {
    const statement = "SELECT array_agg(DISTINCT tenant) AS tenants, pg_backend_pid() AS pid, current_setting('palisade.tenant') AS setting FROM users";
    const [acme] = await tenantSql(store, 'acme').query<{ tenants: string[]; pid: number; setting: string }>(statement);
    const [globex] = await tenantSql(store, 'globex').query<{ tenants: string[]; pid: number; setting: string }>(statement);
    expect(acme).toMatchObject({ tenants: ['acme'], setting: 'acme' });
    expect(globex).toEqual({ tenants: ['globex'], pid: acme.pid, setting: 'globex' });
  });

  it('leaves no tenant and no role on the connection after a statement fails', async () => {
    const acme = tenantSql(store, 'acme');
    const [{ pid }] = await acme.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await expect(acme.query('SELECT uid::int FROM users')).rejects.toBeInstanceOf(StoreRefusedValueError);
    await expect(acme.query('SELECT * FROM users_missing')).rejects.toMatchObject({ code: '42P01' });
    const { database } = fixture.testDatabase;
    const [after] = await database.query<{ pid: number; role: string; tenant: string | null }>(
      "SELECT pg_backend_pid() AS pid, current_user AS role, current_setting('palisade.tenant', true) AS tenant",
    );
    expect(after.pid).toBe(pid);
    expect(after.role).not.toBe(READER_ROLE);
    expect(after.tenant ?? '').toBe('');
    // The next statement without a tenant, on that connection, sees nothing.
    expect(await database.transactionQuery('SELECT count(*)::int AS count, pg_backend_pid() AS pid FROM users', [], { setup: `SET LOCAL ROLE ${READER_ROLE}` })).toEqual([{ count: 0, pid }]);
  });

  it('refuses a tenant that is not an identifier before it reaches SQL', () => {
    expect(() => tenantSql(store, "acme'; DROP TABLE users; --")).toThrow(RangeError);
    expect(() => tenantSql(store, '')).toThrow(RangeError);
  });
});
