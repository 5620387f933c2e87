import type { EventOf } from '../../../../lib/ingestion/event';
import type { UserSnapshot } from '../../../../lib/ingestion/user-inventory-info';
import { stateVersion, type AnyEventConsumer, type EventWriter } from '../../../../subgraph-kit/ingestion';
import type { MigratedDatabase } from '../../../../subgraph-kit/sql';
import type { AccountType, RiskLevel, UserType } from '../data/rows';
import { tenantWriteSql } from '../data/tenant-sql';

type UserInventory = EventOf<5003>;

interface UserInput {
  uid: string;
  name: string;
  email: string | null;
  type: UserType;
  has_mfa: boolean;
  risk_level: RiskLevel;
  department: string | null;
  title: string | null;
  manager_uid: string | null;
  created_at: string;
  version: string;
}

interface GroupInput {
  uid: string;
  name: string;
  description: string | null;
  privileges: string[];
  version: string;
}

interface AccountInput {
  uid: string;
  user_uid: string;
  name: string;
  type: AccountType;
  version: string;
}

/** One tenant's part of a batch, each user, group and account once, at the newest version the batch has of it. */
interface TenantRows {
  users: UserInput[];
  groups: GroupInput[];
  accounts: AccountInput[];
  /** The groups of each user in `users`, as that user's newest event lists them: all of them. */
  memberships: Array<{ user_uid: string; group_uid: string }>;
}

/** A column set from the event only when the event's version is above the stored one. */
const newer = (column: string) => `${column} = CASE WHEN stored.observed_version IS NULL OR stored.observed_version < EXCLUDED.observed_version THEN EXCLUDED.${column} ELSE stored.${column} END`;
const newestVersion = 'observed_version = GREATEST(stored.observed_version, EXCLUDED.observed_version)';

/**
 * One tenant's users, groups, accounts and memberships, written by one statement. Every row of the batch is
 * written (and returned), each column taking the event's value only when the event is newer than the row, so
 * that a row of another tenant with the same uid (uids are unique across tenants) shows as a row not returned,
 * whatever the database role; `created_at` is the earliest over all events. Memberships and managers follow a
 * user's winning event: its groups replace the user's memberships; its manager is set when known, else waits in
 * pending_manager_uid and is set when that user is written. Every statement names the tenant as well: row-level
 * security binds the service's role, but not a superuser.
 */
const WRITE_TENANT = `
WITH input_users AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS u(uid text, name text, email text, type text, has_mfa boolean, risk_level text,
    department text, title text, manager_uid text, created_at timestamptz, version text)
), input_groups AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS g(uid text, name text, description text, privileges text[], version text)
), input_accounts AS (
  SELECT * FROM jsonb_to_recordset($3::jsonb) AS a(uid text, user_uid text, name text, type text, version text)
), input_memberships AS (
  SELECT * FROM jsonb_to_recordset($4::jsonb) AS m(user_uid text, group_uid text)
), known_users AS (
  SELECT uid FROM users WHERE tenant = $5 UNION SELECT uid FROM input_users
), written_users AS (
  INSERT INTO users AS stored (uid, tenant, name, email, type, has_mfa, risk_level, department, title, manager_uid, pending_manager_uid, created_at, observed_version)
  SELECT u.uid, $5, u.name, u.email, u.type, u.has_mfa, u.risk_level, u.department, u.title,
    CASE WHEN known.uid IS NOT NULL THEN u.manager_uid END, CASE WHEN known.uid IS NULL THEN u.manager_uid END, u.created_at, u.version
  FROM input_users u LEFT JOIN known_users known ON known.uid = u.manager_uid
  ON CONFLICT (uid) DO UPDATE SET
    ${['name', 'email', 'type', 'has_mfa', 'risk_level', 'department', 'title', 'manager_uid', 'pending_manager_uid'].map(newer).join(', ')},
    created_at = LEAST(stored.created_at, EXCLUDED.created_at), ${newestVersion}
  WHERE stored.tenant = EXCLUDED.tenant
  RETURNING uid, observed_version
), written_groups AS (
  INSERT INTO groups AS stored (uid, tenant, name, description, privileges, observed_version)
  SELECT uid, $5, name, description, privileges, version FROM input_groups
  ON CONFLICT (uid) DO UPDATE SET ${['name', 'description', 'privileges'].map(newer).join(', ')}, ${newestVersion}
  WHERE stored.tenant = EXCLUDED.tenant
  RETURNING uid
), written_accounts AS (
  INSERT INTO accounts AS stored (uid, tenant, user_uid, name, type, observed_version)
  SELECT uid, $5, user_uid, name, type, version FROM input_accounts
  ON CONFLICT (uid) DO UPDATE SET ${['user_uid', 'name', 'type'].map(newer).join(', ')}, ${newestVersion}
  WHERE stored.tenant = EXCLUDED.tenant
  RETURNING uid
), winners AS (
  SELECT w.uid FROM written_users w JOIN input_users u ON u.uid = w.uid AND w.observed_version = u.version
), removed_memberships AS (
  DELETE FROM group_memberships gm USING winners w
  WHERE gm.tenant = $5 AND gm.user_uid = w.uid AND NOT EXISTS (SELECT 1 FROM input_memberships m WHERE m.user_uid = gm.user_uid AND m.group_uid = gm.group_uid)
), added_memberships AS (
  INSERT INTO group_memberships (tenant, group_uid, user_uid)
  SELECT $5, m.group_uid, m.user_uid FROM input_memberships m JOIN winners w ON w.uid = m.user_uid
  ON CONFLICT DO NOTHING
), resolved_managers AS (
  UPDATE users SET manager_uid = pending_manager_uid, pending_manager_uid = NULL
  WHERE tenant = $5 AND pending_manager_uid IN (SELECT uid FROM input_users) AND uid NOT IN (SELECT uid FROM input_users)
)
SELECT CASE
  WHEN (SELECT count(*) FROM written_users) < (SELECT count(*) FROM input_users) THEN palisade_refuse('user')
  WHEN (SELECT count(*) FROM written_groups) < (SELECT count(*) FROM input_groups) THEN palisade_refuse('group')
  WHEN (SELECT count(*) FROM written_accounts) < (SELECT count(*) FROM input_accounts) THEN palisade_refuse('account')
END AS refused`;

/** The SQLSTATE of palisade_refuse (migration 004): the statement found a row it was given but could not write. */
const REFUSED = 'PA001';

/** Raised, nothing of the tenant's statement written, when a uid of the batch belongs to another tenant's row. */
export class UidOfAnotherTenantError extends Error {
  constructor(what: string) {
    super(`a ${what} uid of the event is taken by another tenant (uids are unique across tenants in identity), so nothing of it was written`);
    this.name = 'UidOfAnotherTenantError';
  }
}

/**
 * User Inventory Info (5003): users, their accounts and groups, upserted by their OCSF uids, the newest event
 * winning per row. One statement per tenant of the batch, in a transaction of its own with the tenant set, in one
 * round trip; the statement refuses itself, and so writes nothing, when a uid of the batch is another tenant's.
 */
export function userInventoryWriter(store: MigratedDatabase): EventWriter<5003> {
  return {
    async write(events) {
      for (const [tenant, rows] of rowsByTenant(events)) {
        const params = [JSON.stringify(rows.users), JSON.stringify(rows.groups), JSON.stringify(rows.accounts), JSON.stringify(rows.memberships), tenant];
        await tenantWriteSql(store, tenant)
          .query(WRITE_TENANT, params)
          .catch((error: unknown) => {
            const { code, message } = error as { code?: unknown; message?: string };
            throw code === REFUSED ? new UidOfAnotherTenantError(message ?? 'row') : error;
          });
      }
    },
  };
}

/** The class the identity subgraph consumes. */
export const IDENTITY_EVENT_CONSUMERS: ReadonlyArray<AnyEventConsumer<MigratedDatabase>> = [{ classUid: 5003, createWriter: userInventoryWriter }];

/** Per tenant, each user, group and account at the newest version the batch has of it (a statement may write a row once). */
function rowsByTenant(events: UserInventory[]): Map<string, TenantRows> {
  const versions = new Map(events.map((event) => [event, stateVersion(event)]));
  const newestFirst = [...events].sort((a, b) => (versions.get(a)! < versions.get(b)! ? 1 : -1));
  // The earliest creation over every event of a user, not only the newest one's: the same as one event at a time.
  const createdAt = new Map<string, number>();
  for (const event of events) {
    const key = `${event.tenant}:${event.body.user.uid}`;
    createdAt.set(key, Math.min(createdAt.get(key) ?? Infinity, event.body.user.createdAt ?? event.time, event.time));
  }
  const tenants = new Map<string, TenantRows & { seen: Set<string> }>();
  for (const event of newestFirst) {
    let rows = tenants.get(event.tenant);
    if (!rows) tenants.set(event.tenant, (rows = { users: [], groups: [], accounts: [], memberships: [], seen: new Set() }));
    const version = versions.get(event)!;
    const { user } = event.body;
    const first = (kind: string, uid: string) => !rows!.seen.has(`${kind}:${uid}`) && Boolean(rows!.seen.add(`${kind}:${uid}`));
    if (first('user', user.uid)) {
      rows.users.push(userInput(user, createdAt.get(`${event.tenant}:${user.uid}`)!, version));
      for (const group of user.groups) rows.memberships.push({ user_uid: user.uid, group_uid: group.uid });
    }
    for (const group of user.groups) {
      if (first('group', group.uid)) rows.groups.push({ uid: group.uid, name: group.name ?? group.uid, description: group.description ?? null, privileges: group.privileges, version });
    }
    const account = user.account;
    if (account && first('account', account.uid)) {
      rows.accounts.push({ uid: account.uid, user_uid: user.uid, name: account.name ?? account.uid, type: ACCOUNT_TYPES[account.typeId ?? 0] ?? 'OTHER', version });
    }
  }
  return new Map([...tenants].map(([tenant, { seen: _seen, ...rows }]) => [tenant, rows]));
}

const USER_TYPES: Record<number, UserType> = { 0: 'UNKNOWN', 1: 'USER', 2: 'ADMIN', 3: 'SYSTEM', 4: 'SERVICE' };
const RISK_LEVELS: Record<number, RiskLevel> = { 0: 'INFO', 1: 'LOW', 2: 'MEDIUM', 3: 'HIGH', 4: 'CRITICAL' };
/** OCSF account type_id; an ActiveDirectory account is a directory (LDAP) account; the types Palisade has no name for are OTHER. */
const ACCOUNT_TYPES: Record<number, AccountType> = { 0: 'UNKNOWN', 1: 'LDAP', 2: 'WINDOWS', 3: 'AWS_IAM_USER', 4: 'AWS_IAM_ROLE', 5: 'GCP', 6: 'AZURE_AD', 7: 'MAC_OS', 9: 'LINUX', 10: 'AWS_ACCOUNT', 15: 'GOOGLE_WORKSPACE', 19: 'LDAP' };

/**
 * A user as the event states it. An inventory event is a snapshot: what it leaves out is unknown (null), an
 * absent risk level is Info (OCSF 0) and an absent MFA flag false. The user was created no later than the
 * directory says, or than any event about it.
 */
function userInput(user: UserSnapshot, createdAt: number, version: string): UserInput {
  return {
    uid: user.uid,
    name: user.name,
    email: user.email ?? null,
    type: USER_TYPES[user.typeId ?? 0] ?? 'OTHER',
    has_mfa: user.hasMfa ?? false,
    risk_level: RISK_LEVELS[user.riskLevelId ?? 0] ?? 'OTHER',
    department: user.department ?? null,
    title: user.title ?? null,
    manager_uid: user.managerUid ?? null,
    created_at: new Date(createdAt).toISOString(),
    version,
  };
}
