import { encodeCursor } from '../../../subgraph-kit/connection';
import { demo, execute, startIdentity, usersOf, type IdentityFixture, type Result } from './support';

const acmeUsers = usersOf('acme');
const acmeGroups = demo.groups.filter((g) => g.tenant === 'acme');
const managed = acmeUsers.find((u) => u.managerUid !== null)!;

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { uid name groups { uid name } roles { uid name } accounts { uid type } }
    ... on Group { uid name privileges members(first: 2) { totalCount edges { node { uid } } } }
  }
}`;

const USERS_PAGE = `query ($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { uid } }
  }
}`;

let fixture: IdentityFixture;
beforeAll(async () => {
  fixture = await startIdentity();
});
afterAll(() => fixture.close());

describe('identity subgraph operations', () => {
  const roundTripsOf = async (operation: () => Promise<unknown>) => {
    const before = fixture.service.stats.roundTrips;
    await operation();
    return fixture.service.stats.roundTrips - before;
  };

  it('reads a user with its manager, groups, roles and accounts', async () => {
    const result = await execute(
      fixture.service,
      'acme',
      `query ($uid: ID!) { user(uid: $uid) { uid tenant name email type hasMfa riskLevel department title createdAt
        manager { uid name } groups { uid } roles { uid } accounts { uid type } } }`,
      { uid: managed.uid },
    );
    expect(result.errors).toBeUndefined();
    const manager = acmeUsers.find((u) => u.uid === managed.managerUid)!;
    expect(result.data.user).toEqual({
      uid: managed.uid,
      tenant: 'acme',
      name: managed.name,
      email: managed.email,
      type: managed.type,
      hasMfa: managed.hasMfa,
      riskLevel: managed.riskLevel,
      department: managed.department,
      title: managed.title,
      createdAt: managed.createdAt.toISOString(),
      manager: { uid: manager.uid, name: manager.name },
      groups: expect.any(Array),
      roles: expect.any(Array),
      accounts: expect.any(Array),
    });
    const uidsOf = (items: Array<{ uid: string }>) => items.map((i) => i.uid).sort();
    expect(uidsOf(result.data.user.groups)).toEqual(demo.memberships.filter((m) => m.userUid === managed.uid).map((m) => m.groupUid).sort());
    expect(uidsOf(result.data.user.roles)).toEqual(demo.roleAssignments.filter((a) => a.userUid === managed.uid).map((a) => a.roleUid).sort());
    expect(uidsOf(result.data.user.accounts)).toEqual(demo.accounts.filter((a) => a.userUid === managed.uid).map((a) => a.uid).sort());
  });

  it('answers null, without an error, for a uid that names no user or group', async () => {
    const result = await execute(fixture.service, 'acme', '{ user(uid: "usr-nobody") { uid } group(uid: "grp-nobody") { uid } }');
    expect(result).toEqual({ data: { user: null, group: null } });
  });

  it('filters users by type, MFA and group', async () => {
    const group = acmeGroups[1];
    const memberUids = demo.memberships.filter((m) => m.groupUid === group.uid).map((m) => m.userUid);
    const expected = acmeUsers.filter((u) => ['USER', 'ADMIN'].includes(u.type) && u.hasMfa && memberUids.includes(u.uid));
    const result = await execute(fixture.service, 'acme', USERS_PAGE, { first: 100, filter: { type: ['USER', 'ADMIN'], hasMfa: true, groupUid: group.uid } });
    expect(result.errors).toBeUndefined();
    expect(result.data.users.totalCount).toBe(expected.length);
    expect(result.data.users.edges.map((e: { node: { uid: string } }) => e.node.uid).sort()).toEqual(expected.map((u) => u.uid).sort());
  });

  it('lists groups with their members as connections', async () => {
    const result = await execute(fixture.service, 'acme', '{ groups(first: 100) { totalCount edges { node { uid name description privileges members(first: 1) { totalCount edges { node { uid } } pageInfo { hasNextPage } } } } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data.groups.totalCount).toBe(acmeGroups.length);
    for (const { node } of result.data.groups.edges) {
      const group = acmeGroups.find((g) => g.uid === node.uid)!;
      const memberUids = demo.memberships.filter((m) => m.groupUid === group.uid).map((m) => m.userUid);
      expect(node).toMatchObject({ name: group.name, description: group.description, privileges: group.privileges });
      expect(node.members.totalCount).toBe(memberUids.length);
      expect(memberUids).toContain(node.members.edges[0].node.uid);
      expect(node.members.pageInfo.hasNextPage).toBe(memberUids.length > 1);
    }
  });

  it('refuses first out of range and a malformed cursor with BAD_USER_INPUT naming the argument', async () => {
    for (const [variables, argumentName] of [
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ after: encodeCursor([1, 2]) }, 'after'],
    ] as const) {
      const result = await execute(fixture.service, 'acme', USERS_PAGE, variables);
      expect(result.data).toEqual({ users: null });
      expect(result.errors).toEqual([expect.objectContaining({ path: ['users'], extensions: { code: 'BAD_USER_INPUT', argumentName } })]);
    }
    const members = await execute(fixture.service, 'acme', `{ group(uid: "${acmeGroups[0].uid}") { members(first: 1000) { totalCount } } }`);
    expect(members.errors).toEqual([expect.objectContaining({ path: ['group', 'members'], extensions: { code: 'BAD_USER_INPUT', argumentName: 'first' } })]);
  });

  it('resolves User and Group entities in the order of the representations, null for an unknown uid', async () => {
    const representations = [
      { __typename: 'User', uid: acmeUsers[3].uid },
      { __typename: 'Group', uid: acmeGroups[0].uid },
      { __typename: 'User', uid: 'usr-nobody' },
      { __typename: 'User', uid: acmeUsers[0].uid },
      { __typename: 'Group', uid: 'grp-nobody' },
    ];
    const result = await execute(fixture.service, 'acme', ENTITIES, { representations });
    expect(result.errors).toBeUndefined();
    const entities = result.data._entities;
    expect(entities.map((e: { uid: string } | null) => e?.uid ?? null)).toEqual([acmeUsers[3].uid, acmeGroups[0].uid, null, acmeUsers[0].uid, null]);
    expect(entities[1]).toMatchObject({ name: acmeGroups[0].name, privileges: acmeGroups[0].privileges, members: { totalCount: demo.memberships.filter((m) => m.groupUid === acmeGroups[0].uid).length } });
    expect(entities[0].groups.length).toBeGreaterThan(0);
  });

  it('refuses a representation without a string uid with BAD_USER_INPUT', async () => {
    const result = await execute(fixture.service, 'acme', ENTITIES, { representations: [{ __typename: 'User', uid: 7 }] });
    expect(result.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'representations' } })]);
  });

  it('resolves 50 users with groups, roles and accounts in as many round trips as 5: one per type', async () => {
    const representations = (count: number) => acmeUsers.slice(0, count).map((u) => ({ __typename: 'User', uid: u.uid }));
    let fifty: unknown[] = [];
    const tripsFor5 = await roundTripsOf(() => execute(fixture.service, 'acme', ENTITIES, { representations: representations(5) }));
    const tripsFor50 = await roundTripsOf(async () => (fifty = (await execute(fixture.service, 'acme', ENTITIES, { representations: representations(50) })).data._entities));
    expect(fifty).toHaveLength(50);
    expect(fifty.every((user) => user !== null)).toBe(true);
    // Four statements, one per type, each in its own row-level-security transaction sent in one round trip.
    expect(tripsFor5).toBe(4);
    expect(tripsFor50).toBe(tripsFor5);
  });

  it('walks all users page by page with cursors: each user exactly once, in the order of one large page', async () => {
    const all = await execute(fixture.service, 'acme', USERS_PAGE, { first: 100 });
    const order = all.data.users.edges.map((e: { node: { uid: string } }) => e.node.uid);
    expect(order.slice().sort()).toEqual(acmeUsers.map((u) => u.uid).sort());

    const walked: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: Result = await execute(fixture.service, 'acme', USERS_PAGE, { first: 7, after });
      const connection = result.data.users;
      expect(connection.totalCount).toBe(acmeUsers.length);
      expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
      walked.push(...connection.edges.map((e: { node: { uid: string } }) => e.node.uid));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(walked).toEqual(order);
    expect(pages).toBe(Math.ceil(acmeUsers.length / 7));
  });

  it('walks the members of a group page by page', async () => {
    const group = acmeGroups[0];
    const memberUids = demo.memberships.filter((m) => m.groupUid === group.uid).map((m) => m.userUid);
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: Result = await execute(fixture.service, 'acme', 'query ($uid: ID!, $after: String) { group(uid: $uid) { members(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { uid } } } } }', { uid: group.uid, after });
      const members = result.data.group.members;
      expect(members.totalCount).toBe(memberUids.length);
      walked.push(...members.edges.map((e: { node: { uid: string } }) => e.node.uid));
      if (!members.pageInfo.hasNextPage) break;
      after = members.pageInfo.endCursor;
    }
    expect(walked.slice().sort()).toEqual(memberUids.sort());
    expect(new Set(walked).size).toBe(walked.length);
  });
});

describe('tenant isolation in the identity subgraph', () => {
  const acmeUser = acmeUsers[0];

  it('does not let a globex principal read an acme user or group by uid', async () => {
    const result = await execute(fixture.service, 'globex', `{ user(uid: "${acmeUser.uid}") { uid } group(uid: "${acmeGroups[0].uid}") { uid } }`);
    expect(result).toEqual({ data: { user: null, group: null } });
  });

  it('lists only globex users and groups to a globex principal, even filtered by an acme group', async () => {
    const users = await execute(fixture.service, 'globex', '{ users(first: 100) { totalCount edges { node { uid tenant } } } groups(first: 100) { totalCount edges { node { uid tenant } } } }');
    expect(users.data.users.totalCount).toBe(usersOf('globex').length);
    expect(users.data.users.edges.every((e: { node: { tenant: string } }) => e.node.tenant === 'globex')).toBe(true);
    expect(users.data.groups.edges.every((e: { node: { tenant: string } }) => e.node.tenant === 'globex')).toBe(true);

    const filtered = await execute(fixture.service, 'globex', USERS_PAGE, { filter: { groupUid: acmeGroups[0].uid } });
    expect(filtered.data.users).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('resolves acme entities as null for a globex principal, whatever tenant the representation claims', async () => {
    const result = await execute(fixture.service, 'globex', ENTITIES, {
      representations: [
        { __typename: 'User', uid: acmeUser.uid },
        { __typename: 'User', uid: acmeUser.uid, tenant: 'acme' },
        { __typename: 'Group', uid: acmeGroups[0].uid, tenant: 'acme' },
        { __typename: 'User', uid: usersOf('globex')[0].uid, tenant: 'acme' },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data._entities.map((e: { uid: string } | null) => e?.uid ?? null)).toEqual([null, null, null, usersOf('globex')[0].uid]);
  });
});
