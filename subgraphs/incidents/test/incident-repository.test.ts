import { prepareCollection, TenantScopedCollection, type DocumentDatabase } from '../../../subgraph-kit/documents';
import { SEVERITY_ID } from '../src/data/severity';
import { INCIDENTS_COLLECTION, type IncidentDocument } from '../src/data/incident-document';
import { readIncidentListQuery, type IncidentFilterInput } from '../src/data/incident-query';
import { IncidentRepository } from '../src/data/incident-repository';
import { INCIDENTS } from '../src/data/incident-store';
import { encodeCursor } from '../../../subgraph-kit/connection';
import { DEMO_SCALE, demoIncidents, describeSkippedMongo, discard, fixtureIncident, newestFirst, silentLogger, STORES } from './helpers';

describeSkippedMongo();

describe.each(STORES)('IncidentRepository on the $name', (store) => {
  let database: DocumentDatabase;
  const acme = demoIncidents('acme').sort(newestFirst);
  const repositoryFor = (tenant: string) => new IncidentRepository(new TenantScopedCollection(database.collection<IncidentDocument>(INCIDENTS_COLLECTION), tenant));

  beforeAll(async () => {
    database = await store.open();
    await prepareCollection(database, INCIDENTS, { demoDataScale: DEMO_SCALE, logger: silentLogger });
  });
  afterAll(() => discard(database));

  it('seeds the demo incidents of both tenants once, and not again into a store that has data', async () => {
    const collection = database.collection<IncidentDocument>(INCIDENTS_COLLECTION);
    expect(await collection.countDocuments({})).toBe(demoIncidents().length);
    await prepareCollection(database, INCIDENTS, { demoDataScale: DEMO_SCALE, logger: silentLogger });
    expect(await collection.countDocuments({})).toBe(demoIncidents().length);
  });

  it('refuses a second incident with the same uid in a tenant (the unique index exists)', async () => {
    await expect(repositoryFor('acme').insert({ ...acme[0] })).rejects.toMatchObject({ name: 'DuplicateKeyError' });
  });

  it('finds incidents by uid within the tenant only', async () => {
    const uids = [acme[0].uid, acme[1].uid, 'inc-acme-missing'];
    expect((await repositoryFor('acme').findByUids(uids)).map((i) => i.uid).sort()).toEqual([acme[0].uid, acme[1].uid].sort());
    expect(await repositoryFor('globex').findByUids(uids)).toEqual([]);
    expect(await repositoryFor('globex').findByUid(acme[0].uid)).toBeNull();
  });

  const assignee = acme.find((i) => i.assigneeUid)!.assigneeUid!;
  const asset = acme[3].affectedAssets[0].uid;
  const middle = acme[Math.floor(acme.length / 2)].createdAt;
  const cases: Array<[string, IncidentFilterInput, (i: IncidentDocument) => boolean]> = [
    ['severityAtLeast HIGH', { severityAtLeast: 'HIGH' }, (i) => i.severityId >= SEVERITY_ID.HIGH && i.severityId <= SEVERITY_ID.FATAL],
    ['status', { status: ['NEW', 'ON_HOLD'] }, (i) => i.status === 'NEW' || i.status === 'ON_HOLD'],
    ['assigneeUid', { assigneeUid: assignee }, (i) => i.assigneeUid === assignee],
    ['affectedAssetUid', { affectedAssetUid: asset }, (i) => i.affectedAssets.some((a) => a.uid === asset)],
    ['createdAfter (inclusive)', { createdAfter: middle.toISOString() }, (i) => i.createdAt >= middle],
    ['createdBefore (exclusive)', { createdBefore: middle.toISOString() }, (i) => i.createdAt < middle],
    [
      'severity, status and a date range together',
      { severityAtLeast: 'MEDIUM', status: ['IN_PROGRESS', 'RESOLVED'], createdAfter: acme[acme.length - 1].createdAt.toISOString(), createdBefore: middle.toISOString() },
      (i) => i.severityId >= SEVERITY_ID.MEDIUM && i.severityId <= SEVERITY_ID.FATAL && ['IN_PROGRESS', 'RESOLVED'].includes(i.status) && i.createdAt < middle,
    ],
    ['assignee and status together', { assigneeUid: assignee, status: ['NEW', 'IN_PROGRESS', 'ON_HOLD'] }, (i) => i.assigneeUid === assignee && ['NEW', 'IN_PROGRESS', 'ON_HOLD'].includes(i.status)],
  ];

  it.each(cases)('filters by %s, newest first, with the total', async (_, filter, matches) => {
    const expected = acme.filter(matches);
    expect(expected.length).toBeGreaterThan(0);
    const page = await repositoryFor('acme').page(readIncidentListQuery({ first: 100, filter }));
    expect(page.totalCount).toBe(expected.length);
    expect(page.rows.map((i) => i.uid)).toEqual(expected.slice(0, 101).map((i) => i.uid));
  });

  async function walk(repository: IncidentRepository, first: number): Promise<string[]> {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await repository.page(readIncidentListQuery({ first, after }));
      const rows = page.rows.slice(0, first);
      seen.push(...rows.map((i) => i.uid));
      if (page.rows.length <= first) return seen;
      const last = rows[rows.length - 1];
      after = encodeCursor([last.createdAt.toISOString(), last.uid]);
    }
  }

  it('walks every page with the cursor: each incident once, newest first', async () => {
    expect(await walk(repositoryFor('acme'), 7)).toEqual(acme.map((i) => i.uid));
  });

  it('walks incidents created at the same instant by uid, without skipping or repeating one', async () => {
    const tied = Array.from({ length: 9 }, (_, n) => fixtureIncident('tieco', 'NEW', { uid: `inc-tieco-${n}` }));
    const repository = repositoryFor('tieco');
    for (const incident of tied) await repository.insert(incident);
    expect(await walk(repository, 2)).toEqual(tied.map((i) => i.uid).sort().reverse());
  });

  it('pages the incidents of a batch of users (assignee or affected) in one aggregate and one find', async () => {
    const users = [...new Set(acme.flatMap((i) => [i.assigneeUid, ...i.affectedUserUids]).filter((u): u is string => !!u))].slice(0, 20);
    const repository = repositoryFor('acme');
    const before = database.stats.roundTrips;
    const pages = await repository.pagesByParent('user', [...users, 'usr-acme-nobody'], readIncidentListQuery({ first: 3 }));
    expect(database.stats.roundTrips - before).toBe(2);
    for (const user of users) {
      const expected = acme.filter((i) => i.assigneeUid === user || i.affectedUserUids.includes(user));
      expect(pages.get(user)?.totalCount).toBe(expected.length);
      expect(pages.get(user)?.rows.map((i) => i.uid)).toEqual(expected.slice(0, 4).map((i) => i.uid));
    }
    expect(pages.has('usr-acme-nobody')).toBe(false);
  });

  it('pages the incidents of a batch of assets after a cursor and under a filter, counting all that match the filter', async () => {
    const assets = [...new Set(acme.flatMap((i) => i.affectedAssets.map((a) => a.uid)))].slice(0, 30);
    const cursorIncident = acme[Math.floor(acme.length / 3)];
    const query = readIncidentListQuery({ first: 2, after: encodeCursor([cursorIncident.createdAt.toISOString(), cursorIncident.uid]), filter: { severityAtLeast: 'LOW' } });
    const pages = await repositoryFor('acme').pagesByParent('asset', assets, query);
    for (const asset of assets) {
      const matching = acme.filter((i) => i.affectedAssets.some((a) => a.uid === asset) && i.severityId >= SEVERITY_ID.LOW && i.severityId <= SEVERITY_ID.FATAL);
      const afterCursor = matching.filter((i) => newestFirst(i, cursorIncident) > 0);
      expect(pages.get(asset)?.totalCount ?? 0).toBe(matching.length);
      expect(pages.get(asset)?.rows.map((i) => i.uid) ?? []).toEqual(afterCursor.slice(0, 3).map((i) => i.uid));
    }
  });

  it("never returns another tenant's incidents for a parent uid", async () => {
    const acmeUser = acme.find((i) => i.assigneeUid)!.assigneeUid!;
    const pages = await repositoryFor('globex').pagesByParent('user', [acmeUser], readIncidentListQuery({ first: 20 }));
    expect(pages.size).toBe(0);
    expect((await repositoryFor('globex').page(readIncidentListQuery({ first: 100 }))).rows.every((i) => i.tenant === 'globex')).toBe(true);
  });
});
