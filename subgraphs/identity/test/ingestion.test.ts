import { sampleEvents } from '../../../examples/ocsf/samples';
import { applyBatch } from '../../../subgraph-kit/ingestion/apply-batch';
import { MigratedDatabase } from '../../../subgraph-kit/sql';
import { readEvent, type EventOf } from '../../../lib/ingestion/event';
import { UidOfAnotherTenantError, userInventoryWriter } from '../src/ingestion/user-inventory-writer';
import { execute, startIdentity, type IdentityFixture } from './support';

type Raw = Record<string, any>;

const MARCUS = '00u9z8y7x6w5v4u3t2s1';
const DANA = '00u1a2b3c4d5e6f7g8h9';
const T0 = Date.parse('2025-06-02T08:00:00Z');

/** A User Inventory Info for `uid` at minute `minute`, with its own event id; `user` overrides the user's fields. */
function inventory(uid: string, minute: number, user: Raw = {}): Raw {
  const [sample] = sampleEvents(5003);
  return {
    ...sample,
    time: T0 + minute * 60_000,
    metadata: { ...sample.metadata, uid: `evt-${uid}-${minute}` },
    user: { uid, full_name: `Person ${uid}`, email_addr: `${uid}@acme.example`, type_id: 1, has_mfa: false, ...user },
  };
}

/**
 * A small history of three people under one prefix, so that each test writes rows of its own: a manager who
 * arrives after the user who names him, a change of email, groups that are replaced, an account that moves.
 */
function history(prefix: string): Raw[] {
  const boss = `${prefix}-boss`;
  const ada = `${prefix}-ada`;
  const bob = `${prefix}-bob`;
  const group = (name: string) => ({ uid: `${prefix}-grp-${name}`, name });
  return [
    inventory(ada, 0, { ldap_person: { manager: { uid: boss } }, groups: [group('staff'), group('oncall')], account: { uid: `${prefix}-acc-1`, name: 'ada', type_id: 1 } }),
    inventory(bob, 1, { groups: [group('staff')], risk_level_id: 3 }),
    inventory(ada, 5, { email_addr: `${ada}@new.example`, ldap_person: { manager: { uid: boss }, job_title: 'Lead' }, groups: [group('staff')], account: { uid: `${prefix}-acc-1`, name: 'ada', type_id: 6 } }),
    inventory(boss, 6, { groups: [{ ...group('staff'), desc: 'Everyone' }] }),
    inventory(bob, 7, { groups: [group('oncall')], account: { uid: `${prefix}-acc-1`, name: 'shared', type_id: 6 } }),
  ];
}

describe('identity ingestion of User Inventory Info', () => {
  let fixture: IdentityFixture;

  beforeAll(async () => {
    fixture = await startIdentity(0.05);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  /** Applies raw events as one batch of a tenant and returns the outcomes. */
  async function apply(events: Raw[], tenant = 'acme') {
    return applyBatch(5003, userInventoryWriter(storeOf(fixture)), events.map((value) => ({ tenant, value })));
  }

  /** The rows a prefix wrote, with the prefix replaced by "p", so that two prefixes compare. */
  async function rowsOf(prefix: string, tenant = 'acme') {
    const like = `${prefix}-%`;
    const rows = await fixture.testDatabase.database.transaction(async (tx) => {
      await tx.query("SELECT set_config('palisade.tenant', $1, true)", [tenant]);
      return {
        users: await tx.query('SELECT uid, tenant, name, email, type, has_mfa, risk_level, department, title, manager_uid, pending_manager_uid, created_at, observed_version FROM users WHERE uid LIKE $1 ORDER BY uid', [like]),
        groups: await tx.query('SELECT uid, name, description, privileges, observed_version FROM groups WHERE uid LIKE $1 ORDER BY uid', [like]),
        accounts: await tx.query('SELECT uid, user_uid, name, type, observed_version FROM accounts WHERE uid LIKE $1 ORDER BY uid', [like]),
        memberships: await tx.query('SELECT user_uid, group_uid FROM group_memberships WHERE user_uid LIKE $1 ORDER BY user_uid, group_uid', [like]),
      };
    });
    return JSON.parse(JSON.stringify(rows).split(prefix).join('p'));
  }

  it('shows the sample users through the API: their accounts, groups and manager', async () => {
    expect((await apply(sampleEvents(5003))).every((outcome) => outcome.status === 'applied')).toBe(true);
    const { data, errors } = await execute(
      fixture.service,
      'acme',
      `{ user(uid: "${DANA}") { uid name email type hasMfa department title manager { uid name } groups { uid name privileges } accounts { uid name type } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.user).toEqual({
      uid: DANA,
      name: 'Dana Whitfield',
      email: 'dana.whitfield@acme.example',
      type: 'USER',
      hasMfa: true,
      department: 'Security Operations',
      title: 'SOC Analyst',
      manager: { uid: MARCUS, name: 'Marcus Oyelaran' },
      groups: expect.arrayContaining([
        { uid: '00g1allstaff000000001', name: 'All Staff', privileges: [] },
        { uid: '00g1socanalysts00001', name: 'SOC Analysts', privileges: ['siem:read', 'edr:isolate-host'] },
      ]),
      accounts: [{ uid: 'acme-ad-S-1-5-21-3623811015-3361044348-30300820-1187', name: 'dana.whitfield@acme.example', type: 'AZURE_AD' }],
    });
    const service = await execute(fixture.service, 'acme', '{ user(uid: "00u5svcbackup0000001") { type hasMfa accounts { type } } }');
    expect(service.data.user).toEqual({ type: 'SERVICE', hasMfa: false, accounts: [{ type: 'AWS_IAM_ROLE' }] });
    expect((await execute(fixture.service, 'globex', `{ user(uid: "${DANA}") { uid } }`)).data.user).toBeNull();
  });

  it('writes a batch of one tenant with one statement in a transaction of its own, in one round trip, whatever its size', async () => {
    const stats = fixture.testDatabase.database.stats;
    const batch = Array.from({ length: 60 }, (_, n) => inventory(`size-${n}`, n, { groups: [{ uid: `size-grp-${n % 3}`, name: `g${n % 3}` }], account: { uid: `size-acc-${n}`, type_id: 1 } }));
    const before = stats.roundTrips;
    expect((await apply(batch)).every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(stats.roundTrips - before).toBe(1);
    const twoTenants = stats.roundTrips;
    await applyBatch(5003, userInventoryWriter(storeOf(fixture)), [
      { tenant: 'acme', value: inventory('size-acme', 0) },
      { tenant: 'globex', value: inventory('size-globex', 0) },
    ]);
    expect(stats.roundTrips - twoTenants).toBe(2);
  });

  it('changes nothing when the whole batch is delivered again', async () => {
    await apply(history('replay'));
    const once = await rowsOf('replay');
    expect((await apply(history('replay'))).every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(await rowsOf('replay')).toEqual(once);
  });

  it('ends in the same rows whatever the order the events arrive in, one by one or in one batch', async () => {
    for (const event of history('inorder')) await apply([event]);
    const expected = await rowsOf('inorder');
    expect(expected.users.find((user: Raw) => user.uid === 'p-ada')).toMatchObject({ email: 'p-ada@new.example', title: 'Lead', manager_uid: 'p-boss', pending_manager_uid: null });
    expect(expected.memberships).toEqual([
      { user_uid: 'p-ada', group_uid: 'p-grp-staff' },
      { user_uid: 'p-bob', group_uid: 'p-grp-oncall' },
      { user_uid: 'p-boss', group_uid: 'p-grp-staff' },
    ]);
    expect(expected.groups.find((group: Raw) => group.uid === 'p-grp-staff')).toMatchObject({ description: 'Everyone' });
    expect(expected.accounts).toEqual([expect.objectContaining({ uid: 'p-acc-1', user_uid: 'p-bob', name: 'shared' })]);

    for (const events of [(p: string) => [...history(p)].reverse(), (p: string) => [2, 4, 0, 3, 1].map((i) => history(p)[i])]) {
      const oneByOne = `order${Math.random().toString(36).slice(2, 8)}`;
      for (const event of events(oneByOne)) await apply([event]);
      expect(await rowsOf(oneByOne)).toEqual(expected);
      const oneBatch = `batch${Math.random().toString(36).slice(2, 8)}`;
      await apply(events(oneBatch));
      expect(await rowsOf(oneBatch)).toEqual(expected);
    }
  });

  it('never lets an older event overwrite a newer one', async () => {
    await apply([inventory('late-eve', 10, { email_addr: 'new@acme.example', groups: [{ uid: 'late-grp', name: 'New' }] })]);
    await apply([inventory('late-eve', 1, { email_addr: 'old@acme.example', groups: [] })]);
    const rows = await rowsOf('late');
    expect(rows.users[0]).toMatchObject({ email: 'new@acme.example', created_at: new Date(T0 + 60_000).toISOString() });
    expect(rows.memberships).toEqual([{ user_uid: 'p-eve', group_uid: 'p-grp' }]);
  });

  it("refuses, for that event alone, a uid that is another tenant's, and writes nothing of it", async () => {
    await apply([inventory('owned-by-acme', 0)]);
    const outcomes = await apply([inventory('owned-by-acme', 5, { full_name: 'Taken Over' }), inventory('globex-own', 0)], 'globex');
    expect(outcomes).toEqual([
      { status: 'failed', reason: expect.stringMatching(/user uid of the event is taken by another tenant|row-level security/) },
      { status: 'applied' },
    ]);
    expect((await rowsOf('owned')).users[0]).toMatchObject({ tenant: 'acme', name: 'Person p-by-acme' });
    expect((await rowsOf('globex', 'globex')).users).toHaveLength(1);
  });

  it("writes nothing of a tenant's batch when one of its uids is another tenant's: the statement refuses itself", async () => {
    await apply([inventory('atomic-acme-ann', 0)]);
    const events = [inventory('atomic-acme-ann', 5, { full_name: 'Taken Over' }), inventory('atomic-globex-bo', 0, { groups: [{ uid: 'atomic-globex-grp', name: 'g' }] })].map(
      (value) => readEvent(value, { tenant: 'globex', classes: [5003] }) as EventOf<5003>,
    );
    await expect(userInventoryWriter(storeOf(fixture)).write(events)).rejects.toBeInstanceOf(UidOfAnotherTenantError);
    expect(await rowsOf('atomic-globex', 'globex')).toEqual({ users: [], groups: [], accounts: [], memberships: [] });
    expect((await rowsOf('atomic-acme')).users).toEqual([expect.objectContaining({ tenant: 'acme', name: 'Person p-ann' })]);
  });
});

/** The identity service's database, migrated already, as its writer takes it. */
function storeOf(fixture: IdentityFixture): MigratedDatabase {
  return new MigratedDatabase(fixture.testDatabase.database, async () => undefined);
}
