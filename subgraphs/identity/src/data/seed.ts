import { generateDemoData, type DemoData } from '../../../../demo-data';
import type { SqlDatabase, SqlExecutor } from '../../../../subgraph-kit/sql';

type IdentityData = DemoData['identity'];

/** Rows per INSERT statement: 1,000 users and their groups, roles and accounts take one statement per table. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Inserts the demo identity data of each tenant that has no users yet, in one transaction. Returns the number
 * of users inserted: 0 when every tenant already had users (another replica, or an earlier start, seeded it).
 */
export async function seedDemoData(database: SqlDatabase, scale: number): Promise<number> {
  return database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['palisade.identity.seed']);
    const identity = generateDemoData({ scale }).identity;
    let inserted = 0;
    // Row-level security binds even the tables' owner to one tenant at a time (migration 002).
    for (const tenant of new Set(identity.users.map((u) => u.tenant))) {
      await tx.query("SELECT set_config('palisade.tenant', $1, true)", [tenant]);
      // The explicit filter matters where row-level security does not apply: a superuser bypasses it.
      const [{ seeded }] = await tx.query<{ seeded: boolean }>('SELECT EXISTS (SELECT 1 FROM users WHERE tenant = $1) AS seeded', [tenant]);
      if (seeded) continue;
      const ofTenant = <T extends { tenant: string }>(rows: T[]) => rows.filter((row) => row.tenant === tenant);
      await insertIdentity(tx, {
        users: ofTenant(identity.users),
        groups: ofTenant(identity.groups),
        roles: ofTenant(identity.roles),
        accounts: ofTenant(identity.accounts),
        memberships: ofTenant(identity.memberships),
        roleAssignments: ofTenant(identity.roleAssignments),
      });
      inserted += ofTenant(identity.users).length;
    }
    return inserted;
  });
}

async function insertIdentity(tx: SqlExecutor, identity: IdentityData): Promise<void> {
  await insertRows(tx, 'users', USER_COLUMNS, identity.users.map((u) => ({
    uid: u.uid,
    tenant: u.tenant,
    name: u.name,
    email: u.email,
    type: u.type,
    has_mfa: u.hasMfa,
    risk_level: u.riskLevel,
    department: u.department,
    title: u.title,
    manager_uid: u.managerUid,
    created_at: u.createdAt.toISOString(),
  })));
  await insertRows(tx, 'groups', GROUP_COLUMNS, identity.groups);
  await insertRows(tx, 'roles', ROLE_COLUMNS, identity.roles);
  await insertRows(tx, 'accounts', ACCOUNT_COLUMNS, identity.accounts.map((a) => ({ uid: a.uid, tenant: a.tenant, user_uid: a.userUid, name: a.name, type: a.type })));
  await insertRows(tx, 'group_memberships', MEMBERSHIP_COLUMNS, identity.memberships.map((m) => ({ tenant: m.tenant, group_uid: m.groupUid, user_uid: m.userUid })));
  await insertRows(tx, 'role_assignments', ROLE_ASSIGNMENT_COLUMNS, identity.roleAssignments.map((a) => ({ tenant: a.tenant, role_uid: a.roleUid, user_uid: a.userUid })));
}

/** Column name and SQL type of each column that seeding fills. */
type Columns = Record<string, string>;

const USER_COLUMNS: Columns = {
  uid: 'text',
  tenant: 'text',
  name: 'text',
  email: 'text',
  type: 'text',
  has_mfa: 'boolean',
  risk_level: 'text',
  department: 'text',
  title: 'text',
  manager_uid: 'text',
  created_at: 'timestamptz',
};
const GROUP_COLUMNS: Columns = { uid: 'text', tenant: 'text', name: 'text', description: 'text', privileges: 'text[]' };
const ROLE_COLUMNS: Columns = { uid: 'text', tenant: 'text', name: 'text', description: 'text' };
const ACCOUNT_COLUMNS: Columns = { uid: 'text', tenant: 'text', user_uid: 'text', name: 'text', type: 'text' };
const MEMBERSHIP_COLUMNS: Columns = { tenant: 'text', group_uid: 'text', user_uid: 'text' };
const ROLE_ASSIGNMENT_COLUMNS: Columns = { tenant: 'text', role_uid: 'text', user_uid: 'text' };

/**
 * Multi-row inserts: the rows travel as one JSON array parameter, which jsonb_to_recordset turns into typed
 * rows (text[] included), so a statement carries thousands of rows with one placeholder.
 */
async function insertRows(tx: SqlExecutor, table: string, columns: Columns, rows: object[]): Promise<void> {
  const names = Object.keys(columns).join(', ');
  const types = Object.entries(columns).map(([name, type]) => `${name} ${type}`).join(', ');
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    await tx.query(`INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${types})`, [JSON.stringify(chunk)]);
  }
}
