import { AccountRepository } from '../src/data/account-repository';
import { GroupRepository } from '../src/data/group-repository';
import { RoleRepository } from '../src/data/role-repository';
import { UserRepository } from '../src/data/user-repository';
import { demo, principalOf, startIdentity, usersOf, type IdentityFixture } from './support';

const acmeUsers = usersOf('acme');
const acmeGroups = demo.groups.filter((g) => g.tenant === 'acme');
const globexUser = usersOf('globex')[0];

describe('identity repositories and loaders', () => {
  let fixture: IdentityFixture;
  let users: UserRepository;
  let groups: GroupRepository;
  const roundTripsOf = async (operation: () => Promise<unknown>) => {
    const before = fixture.service.stats.roundTrips;
    await operation();
    return fixture.service.stats.roundTrips - before;
  };

  beforeAll(async () => {
    fixture = await startIdentity();
    const sql = fixture.testDatabase.database;
    users = new UserRepository(sql, 'acme');
    groups = new GroupRepository(sql, 'acme');
  });
  afterAll(() => fixture.close());

  it('reads users by uid within its tenant only', async () => {
    const rows = await users.byUids([acmeUsers[1].uid, globexUser.uid, 'usr-nobody']);
    expect(rows).toHaveLength(1);
    const expected = acmeUsers[1];
    expect(rows[0]).toEqual({
      uid: expected.uid,
      tenant: 'acme',
      name: expected.name,
      email: expected.email,
      type: expected.type,
      hasMfa: expected.hasMfa,
      riskLevel: expected.riskLevel,
      department: expected.department,
      title: expected.title,
      managerUid: expected.managerUid,
      createdAt: expected.createdAt,
    });
  });

  it('filters a page of users by type, MFA and group, counting all matches', async () => {
    const page = { first: 100 };
    const admins = await users.page({ type: ['ADMIN', 'SERVICE'] }, page);
    const expectedAdmins = acmeUsers.filter((u) => u.type === 'ADMIN' || u.type === 'SERVICE');
    expect(admins.totalCount).toBe(expectedAdmins.length);
    expect(admins.rows.map((u) => u.uid).sort()).toEqual(expectedAdmins.map((u) => u.uid).sort());

    const withoutMfa = await users.page({ hasMfa: false }, page);
    expect(withoutMfa.totalCount).toBe(acmeUsers.filter((u) => !u.hasMfa).length);

    const group = acmeGroups[0];
    const members = demo.memberships.filter((m) => m.groupUid === group.uid).map((m) => m.userUid);
    const inGroup = await users.page({ groupUid: group.uid, type: ['USER'] }, page);
    const expectedInGroup = acmeUsers.filter((u) => members.includes(u.uid) && u.type === 'USER');
    expect(inGroup.rows.map((u) => u.uid).sort()).toEqual(expectedInGroup.map((u) => u.uid).sort());
    expect(inGroup.totalCount).toBe(expectedInGroup.length);

    expect(await users.page({ type: [] }, page)).toEqual({ rows: [], totalCount: 0 });
  });

  it('returns first + 1 rows at most, so that the connection can tell there is a next page', async () => {
    const { rows, totalCount } = await users.page({}, { first: 5 });
    expect(rows).toHaveLength(6);
    expect(totalCount).toBe(acmeUsers.length);
  });

  it('pages the members of several groups in two statements, whatever the number of groups', async () => {
    const groupUids = acmeGroups.map((g) => g.uid);
    let pages = new Map();
    expect(await roundTripsOf(async () => (pages = await users.membersOfGroups([...groupUids, 'grp-globex-00001'], { first: 3 })))).toBe(2);
    for (const uid of groupUids) {
      const memberUids = demo.memberships.filter((m) => m.groupUid === uid).map((m) => m.userUid);
      const page = pages.get(uid);
      expect(page.totalCount).toBe(memberUids.length);
      expect(page.rows).toHaveLength(4);
      for (const row of page.rows) expect(memberUids).toContain(row.uid);
    }
    expect(pages.get('grp-globex-00001')).toEqual({ rows: [], totalCount: 0 });
  });

  it("reads the groups, roles and accounts of several users in one statement each, each row with its user's uid", async () => {
    const uids = acmeUsers.slice(0, 10).map((u) => u.uid);
    const roles = new RoleRepository(fixture.testDatabase.database, 'acme');
    const accounts = new AccountRepository(fixture.testDatabase.database, 'acme');
    const pairs = (rows: Array<{ userUid: string; uid: string }>) => rows.map((r) => `${r.userUid} ${r.uid}`).sort();

    expect(await roundTripsOf(async () => expect(pairs(await groups.ofUsers(uids))).toEqual(demo.memberships.filter((m) => uids.includes(m.userUid)).map((m) => `${m.userUid} ${m.groupUid}`).sort()))).toBe(1);
    expect(await roundTripsOf(async () => expect(pairs(await roles.ofUsers(uids))).toEqual(demo.roleAssignments.filter((a) => uids.includes(a.userUid)).map((a) => `${a.userUid} ${a.roleUid}`).sort()))).toBe(1);
    expect(await roundTripsOf(async () => expect(pairs(await accounts.ofUsers(uids))).toEqual(demo.accounts.filter((a) => uids.includes(a.userUid)).map((a) => `${a.userUid} ${a.uid}`).sort()))).toBe(1);
    expect(await groups.ofUsers([globexUser.uid])).toEqual([]);
  });

  it('batches the loads of one tick into one statement per loader, answering in key order with null for a missing key', async () => {
    const loaders = fixture.service.createLoaders(principalOf('acme'));
    const uids = acmeUsers.slice(0, 50).map((u) => u.uid);
    let loaded: unknown[] = [];
    const trips = await roundTripsOf(async () => {
      loaded = await Promise.all([...uids, 'usr-nobody', globexUser.uid].map((uid) => loaders.user.load(uid)));
      await Promise.all(uids.map((uid) => loaders.groupsOfUser.load(uid)));
    });
    // Two statements, each in its own row-level-security transaction sent in one round trip.
    expect(trips).toBe(2);
    expect(loaded.slice(0, 50).map((u) => (u as { uid: string }).uid)).toEqual(uids);
    expect(loaded.slice(50)).toEqual([null, null]);
  });

  it("creates loaders for the principal's tenant, so another tenant's uid loads as null", async () => {
    const globexLoaders = fixture.service.createLoaders(principalOf('globex'));
    expect(await globexLoaders.user.load(acmeUsers[0].uid)).toBeNull();
    expect(await globexLoaders.group.load(acmeGroups[0].uid)).toBeNull();
    expect(await globexLoaders.groupsOfUser.load(acmeUsers[0].uid)).toEqual([]);
    expect(await globexLoaders.user.load(globexUser.uid)).toMatchObject({ uid: globexUser.uid, tenant: 'globex' });
  });
});
