import type { DocumentDatabase } from '../../../subgraph-kit/documents';
import type { IncidentsService } from '../src/server';
import { ACME, GLOBEX, createTestService, demoIncidents, describeSkippedMongo, discard, execute, newestFirst, STORES } from './helpers';

describeSkippedMongo();

const INCIDENT_FIELDS = `
  uid tenant title severity status createdAt resolvedAt
  assignee { uid } assigneeGroup { uid }
  affectedAssets { role asset { uid } } affectedUsers { uid }
  findings { uid title observables { type value } }
  timeline { at kind message actor { uid } fromStatus toStatus }
`;

const USER_INCIDENTS = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { uid incidents(first: 3) { totalCount pageInfo { hasNextPage } edges { cursor node { uid title } } } }
  }
}`;

const ASSET_INCIDENTS = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Asset { uid incidents(first: 2, filter: { severityAtLeast: LOW }) { totalCount edges { node { uid affectedAssets { asset { uid } } } } } }
  }
}`;

const INCIDENT_ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Incident { uid title assignee { uid } timeline { kind } } }
}`;

describe.each(STORES)('incidents subgraph on the $name', (store) => {
  let database: DocumentDatabase;
  let service: IncidentsService;
  const acme = demoIncidents('acme').sort(newestFirst);
  const acmeUsers = [...new Set(acme.flatMap((i) => [i.assigneeUid, ...i.affectedUserUids]).filter((u): u is string => !!u))];
  const acmeAssets = [...new Set(acme.flatMap((i) => i.affectedAssets.map((a) => a.uid)))];

  beforeAll(async () => {
    database = await store.open();
    service = await createTestService(database);
  });
  afterAll(() => service.close());
  afterAll(() => discard(database));

  async function roundTripsOf(run: () => Promise<unknown>): Promise<number> {
    const before = database.stats.roundTrips;
    await run();
    return database.stats.roundTrips - before;
  }

  describe('queries', () => {
    it('returns an incident by uid with its references to users, groups and assets', async () => {
      const incident = acme.find((i) => i.assigneeUid && i.assigneeGroupUid && i.affectedUserUids.length > 0)!;
      const result = await execute(service, ACME, `query($uid: ID!) { incident(uid: $uid) { ${INCIDENT_FIELDS} } }`, { uid: incident.uid });
      expect(result.errors).toBeUndefined();
      expect(result.data?.incident).toMatchObject({
        uid: incident.uid,
        tenant: 'acme',
        createdAt: incident.createdAt.toISOString(),
        assignee: { uid: incident.assigneeUid },
        assigneeGroup: { uid: incident.assigneeGroupUid },
        affectedAssets: incident.affectedAssets.map((a) => ({ role: a.role, asset: { uid: a.uid } })),
        affectedUsers: incident.affectedUserUids.map((uid) => ({ uid })),
      });
      expect(result.data?.incident.timeline).toHaveLength(incident.timeline.length);
      expect(result.data?.incident.timeline[0]).toMatchObject({ kind: 'CREATED', at: incident.timeline[0].at.toISOString() });
    });

    it('returns null for an unknown uid', async () => {
      expect((await execute(service, ACME, '{ incident(uid: "inc-acme-none") { uid } }')).data).toEqual({ incident: null });
    });

    it('lists incidents newest first with a total, a next page and a cursor that continues', async () => {
      const first = await execute(service, ACME, '{ incidents(first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { node { uid } } } }');
      expect(first.data?.incidents.totalCount).toBe(acme.length);
      expect(first.data?.incidents.pageInfo.hasNextPage).toBe(true);
      expect(first.data?.incidents.edges.map((e: { node: { uid: string } }) => e.node.uid)).toEqual(acme.slice(0, 5).map((i) => i.uid));
      const next = await execute(service, ACME, 'query($after: String) { incidents(first: 5, after: $after) { edges { node { uid } } } }', { after: first.data?.incidents.pageInfo.endCursor });
      expect(next.data?.incidents.edges.map((e: { node: { uid: string } }) => e.node.uid)).toEqual(acme.slice(5, 10).map((i) => i.uid));
    });

    it('serves first: null as the page size the SDL declares (first: Int = 20), on the root list and on an entity', async () => {
      const incidentsOf = (uid: string) => acme.filter((i) => i.assigneeUid === uid || i.affectedUserUids.includes(uid)).length;
      const user = acmeUsers.reduce((most, uid) => (incidentsOf(uid) > incidentsOf(most) ? uid : most));
      const result = await execute(service, ACME, 'query ($first: Int, $r: [_Any!]!) { incidents(first: $first) { edges { node { uid } } } _entities(representations: $r) { ... on User { incidents(first: null) { edges { node { uid } } } } } }', {
        first: null,
        r: [{ __typename: 'User', uid: user }],
      });
      expect(result.errors).toBeUndefined();
      expect(result.data?.incidents.edges).toHaveLength(20);
      expect(result.data?._entities[0].incidents.edges).toHaveLength(Math.min(20, incidentsOf(user)));
    });

    it('filters a list with a literal filter, as the gateway forwards one', async () => {
      const result = await execute(service, ACME, '{ incidents(first: 100, filter: { status: [CLOSED], severityAtLeast: CRITICAL }) { totalCount edges { node { status severity } } } }');
      const expected = acme.filter((i) => i.status === 'CLOSED' && ['CRITICAL', 'FATAL'].includes(i.severity));
      expect(result.data?.incidents.totalCount).toBe(expected.length);
      expect(result.data?.incidents.edges).toHaveLength(expected.length);
    });
  });

  describe('bad input', () => {
    it.each([
      ['first above the maximum', '{ incidents(first: 101) { totalCount } }', 'first'],
      ['a cursor that is not ours', '{ incidents(after: "bm90IG91cnM") { totalCount } }', 'after'],
      ['a createdAfter literal that is not a DateTime', '{ incidents(filter: { createdAfter: "last tuesday" }) { totalCount } }', 'filter.createdAfter'],
      ['a createdBefore without a zone', '{ incidents(filter: { createdBefore: "2026-03-01T00:00:00" }) { totalCount } }', 'filter.createdBefore'],
      ['an empty status list on User.incidents', '{ _entities(representations: [{ __typename: "User", uid: "usr-acme-00001" }]) { ... on User { incidents(filter: { status: [] }) { totalCount } } } }', 'filter.status'],
      ['a User representation without a uid', '{ _entities(representations: [{ __typename: "User" }]) { ... on User { incidents { totalCount } } } }', 'representations'],
      ['an Incident representation with a uid that is not a string', '{ _entities(representations: [{ __typename: "Incident", uid: 5 }]) { ... on Incident { uid } } }', 'representations'],
    ])('refuses %s with BAD_USER_INPUT naming the argument', async (_, query, argument) => {
      const result = await execute(service, ACME, query);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: argument });
    });

    it('refuses a DateTime variable that is not one with BAD_USER_INPUT naming the argument', async () => {
      const result = await execute(service, ACME, 'query($filter: IncidentFilter) { incidents(filter: $filter) { totalCount } }', { filter: { createdAfter: '2026-02-30T00:00:00Z' } });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'filter.createdAfter' });
      expect(result.errors?.[0].message).toContain('ISO 8601');
    });

    it('refuses a DateTime that is not a string', async () => {
      const result = await execute(service, ACME, 'query($filter: IncidentFilter) { incidents(filter: $filter) { totalCount } }', { filter: { createdAfter: 1767225600000 } });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toContain('DateTime takes an ISO 8601 string');
    });
  });

  describe('entities and batching', () => {
    it('resolves Incident entities in request order, null for unknown ones, in one round trip', async () => {
      const representations = [acme[4], acme[0]].map((i) => ({ __typename: 'Incident', uid: i.uid }));
      representations.splice(1, 0, { __typename: 'Incident', uid: 'inc-acme-none' });
      let result: Awaited<ReturnType<typeof execute>> | undefined;
      const trips = await roundTripsOf(async () => (result = await execute(service, ACME, INCIDENT_ENTITIES, { representations })));
      expect(result?.data?._entities.map((e: { uid: string } | null) => e?.uid ?? null)).toEqual([acme[4].uid, null, acme[0].uid]);
      expect(trips).toBe(1);
    });

    it('costs the same round trips for 50 Incident entities as for 5', async () => {
      const many = acme.slice(0, 50).map((i) => ({ __typename: 'Incident', uid: i.uid }));
      const few = many.slice(0, 5);
      const tripsForFew = await roundTripsOf(() => execute(service, ACME, INCIDENT_ENTITIES, { representations: few }));
      const tripsForMany = await roundTripsOf(() => execute(service, ACME, INCIDENT_ENTITIES, { representations: many }));
      expect(tripsForMany).toBe(tripsForFew);
      expect(tripsForMany).toBe(1);
    });

    it('costs the same round trips for User.incidents of 50 users as of 5, and answers each user', async () => {
      expect(acmeUsers.length).toBeGreaterThanOrEqual(50);
      const many = acmeUsers.slice(0, 50).map((uid) => ({ __typename: 'User', uid }));
      const few = many.slice(0, 5);
      const tripsForFew = await roundTripsOf(() => execute(service, ACME, USER_INCIDENTS, { representations: few }));
      let result: Awaited<ReturnType<typeof execute>> | undefined;
      const tripsForMany = await roundTripsOf(async () => (result = await execute(service, ACME, USER_INCIDENTS, { representations: many })));
      expect(tripsForMany).toBe(tripsForFew);
      expect(tripsForMany).toBe(2);
      for (const [n, entity] of (result?.data?._entities ?? []).entries()) {
        const expected = acme.filter((i) => i.assigneeUid === many[n].uid || i.affectedUserUids.includes(many[n].uid));
        expect(entity.uid).toBe(many[n].uid);
        expect(entity.incidents.totalCount).toBe(expected.length);
        expect(entity.incidents.pageInfo.hasNextPage).toBe(expected.length > 3);
        expect(entity.incidents.edges.map((e: { node: { uid: string } }) => e.node.uid)).toEqual(expected.slice(0, 3).map((i) => i.uid));
      }
    });

    it('costs the same round trips for Asset.incidents of 50 assets as of 5, and answers each asset', async () => {
      const many = acmeAssets.slice(0, 50).map((uid) => ({ __typename: 'Asset', uid }));
      const few = many.slice(0, 5);
      const tripsForFew = await roundTripsOf(() => execute(service, ACME, ASSET_INCIDENTS, { representations: few }));
      let result: Awaited<ReturnType<typeof execute>> | undefined;
      const tripsForMany = await roundTripsOf(async () => (result = await execute(service, ACME, ASSET_INCIDENTS, { representations: many })));
      expect(tripsForMany).toBe(tripsForFew);
      expect(tripsForMany).toBe(2);
      for (const [n, entity] of (result?.data?._entities ?? []).entries()) {
        const expected = acme.filter((i) => i.severity !== 'INFORMATIONAL' && i.affectedAssets.some((a) => a.uid === many[n].uid));
        expect(entity.incidents.totalCount).toBe(expected.length);
        expect(entity.incidents.edges.map((e: { node: { uid: string } }) => e.node.uid)).toEqual(expected.slice(0, 2).map((i) => i.uid));
      }
    });

    it('batches parents that ask with equal arguments together, and apart from those that ask differently', async () => {
      const query = `query($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on User { a: incidents(first: 1) { totalCount } b: incidents(first: 2) { totalCount } }
        }
      }`;
      const representations = acmeUsers.slice(0, 10).map((uid) => ({ __typename: 'User', uid }));
      expect(await roundTripsOf(() => execute(service, ACME, query, { representations }))).toBe(4);
    });
  });

  describe('tenant isolation', () => {
    const target = acme[0];

    it('a globex principal cannot read an acme incident by uid, in a list, or as an entity', async () => {
      expect((await execute(service, GLOBEX, 'query($uid: ID!) { incident(uid: $uid) { uid } }', { uid: target.uid })).data).toEqual({ incident: null });
      const list = await execute(service, GLOBEX, '{ incidents(first: 100) { totalCount edges { node { uid tenant } } } }');
      expect(list.data?.incidents.totalCount).toBe(demoIncidents('globex').length);
      expect(list.data?.incidents.edges.every((e: { node: { tenant: string } }) => e.node.tenant === 'globex')).toBe(true);
      const entities = await execute(service, GLOBEX, INCIDENT_ENTITIES, { representations: [{ __typename: 'Incident', uid: target.uid, tenant: 'acme' }] });
      expect(entities.data?._entities).toEqual([null]);
    });

    it("a globex principal sees no incidents for an acme user or asset, even when the representation names acme", async () => {
      const user = acme.find((i) => i.assigneeUid)!.assigneeUid!;
      const users = await execute(service, GLOBEX, USER_INCIDENTS, { representations: [{ __typename: 'User', uid: user, tenant: 'acme' }] });
      expect(users.data?._entities[0].incidents).toMatchObject({ totalCount: 0, edges: [] });
      const assets = await execute(service, GLOBEX, ASSET_INCIDENTS, { representations: [{ __typename: 'Asset', uid: target.affectedAssets[0].uid }] });
      expect(assets.data?._entities[0].incidents).toMatchObject({ totalCount: 0, edges: [] });
    });
  });
});
