import { sampleEvents } from '../../../examples/ocsf/samples';
import { readEvent, type EventOf } from '../../../lib/ingestion/event';
import { EmbeddedDocumentDatabase } from '../../../subgraph-kit/documents';
import { applyBatch } from '../../../subgraph-kit/ingestion/apply-batch';
import { ASSETS_COLLECTION, type AssetDocument } from '../src/data/asset-document';
import { ASSET_INDEXES } from '../src/data/asset-repository';
import { deviceInventoryWriter, vulnerabilityFindingWriter } from '../src/ingestion/asset-event-writers';
import { ACME, execute, startAssetsService, type TestService } from './helpers';

const WEB = 'f3b2c1d0-6a7e-4c1f-9d2b-3e4a5b6c7d8e';
const LAPTOP = 'a8c4e2f0-1b3d-4e5f-8a9b-0c1d2e3f4a5b';
const BASTION = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f67890';

type Raw = Record<string, any>;

const read = <C extends 2002 | 5001>(classUid: C, raw: Raw, tenant = 'acme') => readEvent(raw, { tenant, classes: [classUid] }) as EventOf<C>;

/** A fresh store with the assets collection's indexes and no demo data. */
async function emptyStore(): Promise<EmbeddedDocumentDatabase> {
  const database = new EmbeddedDocumentDatabase();
  await database.collection(ASSETS_COLLECTION).createIndexes(ASSET_INDEXES);
  return database;
}

/** The stored assets, each with its findings in uid order: the order of the embedded array means nothing (the API sorts). */
async function documents(database: EmbeddedDocumentDatabase): Promise<AssetDocument[]> {
  const assets = await database.collection<AssetDocument>(ASSETS_COLLECTION).find({}, { sort: { tenant: 1, uid: 1 } });
  return assets.map((asset) => ({ ...asset, vulnerabilities: [...asset.vulnerabilities].sort((a, b) => (a.uid < b.uid ? -1 : 1)) }));
}

/** Applies raw events, each a batch of its own or all in one, class by class in the order given. */
async function apply(database: EmbeddedDocumentDatabase, events: Raw[], tenant = 'acme'): Promise<void> {
  for (const event of events) {
    const outcomes =
      event.class_uid === 2002
        ? await applyBatch(2002, vulnerabilityFindingWriter(database), [{ tenant, value: event }])
        : await applyBatch(5001, deviceInventoryWriter(database), [{ tenant, value: event }]);
    expect(outcomes).toEqual([{ status: 'applied' }]);
  }
}

/** The web server's xz finding at a time, with a status, first and last seen then. */
function finding(time: number, status: 1 | 2 | 4, uid: string): Raw {
  const [sample] = sampleEvents(2002);
  const { first_seen_time: _first, last_seen_time: _last, ...vulnerability } = sample.vulnerabilities[0];
  return { ...sample, time, status_id: status, metadata: { ...sample.metadata, uid }, vulnerabilities: [vulnerability] };
}

describe('assets ingestion: what the GraphQL API shows after the sample events', () => {
  let test: TestService;

  beforeAll(async () => {
    test = await startAssetsService();
    const database = test.database;
    await applyBatch(5001, deviceInventoryWriter(database), sampleEvents(5001).map((value) => ({ tenant: 'acme', value })));
    await applyBatch(2002, vulnerabilityFindingWriter(database), sampleEvents(2002).map((value) => ({ tenant: 'acme', value })));
  });

  afterAll(async () => {
    await test.service.close();
  });

  const QUERY = `query ($uid: ID!) {
    asset(uid: $uid) {
      __typename uid name criticality region owner { uid }
      ... on Device { hostname ip type os { name version type } }
      ... on CloudResource { provider resourceType accountUid }
      vulnerabilities(first: 10) { totalCount edges { node { uid severity status fixAvailable firstSeenAt lastSeenAt cve { uid title cvss epss publishedAt } } } }
    }
  }`;

  it('creates the inventoried device with its attributes and its findings, one closed by the later Close event', async () => {
    const { data, errors } = await execute(test.service, { ...ACME, scopes: ['assets:read', 'vulnerabilities:read'] }, QUERY, { uid: WEB });
    expect(errors).toBeUndefined();
    expect(data?.asset).toMatchObject({
      __typename: 'Device',
      name: 'web-07',
      hostname: 'web-07.prod.acme.example',
      ip: '10.20.4.17',
      type: 'SERVER',
      os: { name: 'Ubuntu', version: '22.04', type: 'LINUX' },
      region: 'eu-west-1',
      criticality: 'MEDIUM',
      owner: { uid: '00u9z8y7x6w5v4u3t2s1' },
    });
    const findings = data?.asset.vulnerabilities.edges.map((edge: any) => edge.node);
    expect(findings).toEqual([
      {
        uid: `${WEB}/CVE-2024-3094`,
        severity: 'CRITICAL',
        status: 'NEW',
        fixAvailable: true,
        firstSeenAt: '2025-06-02T09:12:00.000Z',
        lastSeenAt: '2025-06-02T09:12:00.000Z',
        cve: { uid: 'CVE-2024-3094', title: 'xz/liblzma backdoor (CVE-2024-3094)', cvss: 10, epss: 0.84, publishedAt: '2024-03-29T17:15:21.000Z' },
      },
      {
        uid: `${WEB}/CVE-2023-44487`,
        severity: 'HIGH',
        status: 'RESOLVED',
        fixAvailable: true,
        firstSeenAt: '2025-06-02T09:12:01.000Z',
        // The Close event says when the scanner last saw it; first and last seen default to an event's time.
        lastSeenAt: '2025-06-02T09:12:01.000Z',
        cve: { uid: 'CVE-2023-44487', title: 'HTTP/2 Rapid Reset (CVE-2023-44487)', cvss: 7.5, epss: 0.81, publishedAt: '2023-10-10T14:15:10.000Z' },
      },
    ]);
  });

  it('creates the cloud resource a finding names, which no inventory had reported', async () => {
    const { data } = await execute(test.service, { ...ACME, scopes: ['assets:read', 'vulnerabilities:read'] }, QUERY, { uid: BASTION });
    expect(data?.asset).toMatchObject({
      __typename: 'CloudResource',
      name: 'bastion-01',
      provider: 'AWS',
      resourceType: 'AWS::EC2::Instance',
      accountUid: '123456789012',
      region: 'eu-west-1',
      owner: null,
      vulnerabilities: { totalCount: 1, edges: [{ node: expect.objectContaining({ severity: 'HIGH', status: 'NEW', cve: expect.objectContaining({ uid: 'CVE-2024-6387', epss: 0.37 }) }) }] },
    });
  });

  it('keeps the device the inventory describes when a scanner names it with less: inventory outranks a finding', async () => {
    const { data } = await execute(test.service, { ...ACME, scopes: ['assets:read'] }, QUERY.replace(/vulnerabilities\(first: 10\) \{[^\n]*\n/, ''), { uid: LAPTOP });
    expect(data?.asset).toMatchObject({ name: 'LT-DWHITFIELD', type: 'LAPTOP', os: { name: 'Windows 11 Enterprise', type: 'WINDOWS' }, ip: '10.64.12.88' });
  });

  it('leaves the other tenant alone: globex sees none of it', async () => {
    const { data } = await execute(test.service, { ...ACME, tenant: 'globex', scopes: ['assets:read'] }, QUERY.replace(/vulnerabilities\(first: 10\) \{[^\n]*\n/, ''), { uid: WEB });
    expect(data?.asset).toBeNull();
  });
});

describe('assets ingestion: batches, replays and disorder', () => {
  it('writes a batch of events for several assets and tenants in one bulk write: one round trip', async () => {
    const database = await emptyStore();
    const devices = Array.from({ length: 40 }, (_, n) => {
      const [sample] = sampleEvents(5001);
      return { tenant: n % 2 === 0 ? 'acme' : 'globex', value: { ...sample, metadata: { uid: `inv-${n}` }, device: { ...sample.device, uid: `device-${n}` } } };
    });
    const before = database.stats.roundTrips;
    expect((await applyBatch(5001, deviceInventoryWriter(database), devices)).every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(database.stats.roundTrips - before).toBe(1);
    expect((await documents(database)).map((doc) => doc.tenant).filter((tenant) => tenant === 'globex')).toHaveLength(20);

    const findings = sampleEvents(2002).map((value) => ({ tenant: 'acme', value }));
    const beforeFindings = database.stats.roundTrips;
    await applyBatch(2002, vulnerabilityFindingWriter(database), findings);
    expect(database.stats.roundTrips - beforeFindings).toBe(1);
  });

  it('changes nothing when a whole batch is delivered again', async () => {
    const database = await emptyStore();
    const all = [...sampleEvents(5001), ...sampleEvents(2002)];
    await apply(database, all);
    const once = await documents(database);
    await apply(database, all);
    expect(await documents(database)).toEqual(once);
  });

  it('ends in the same state whatever the order the events arrive in, the newest state winning per asset and per finding', async () => {
    const newer = (raw: Raw, minutes: number, uid: string) => ({ ...raw, time: raw.time + minutes * 60_000, metadata: { ...raw.metadata, uid } });
    const [web] = sampleEvents(5001);
    const renamed = newer({ ...web, device: { ...web.device, hostname: 'web-07b.prod.acme.example', ip: '10.20.4.18' } }, 10, 'inv-renamed');
    const events = [
      ...sampleEvents(5001),
      renamed,
      ...sampleEvents(2002),
      finding(Date.parse('2025-06-04T00:00:00Z'), 2, 'triage'),
      finding(Date.parse('2025-06-05T00:00:00Z'), 4, 'fixed'),
    ];
    const inOrder = await emptyStore();
    await apply(inOrder, events);
    const expected = await documents(inOrder);
    expect(expected.find((doc) => doc.uid === WEB)).toMatchObject({ hostname: 'web-07b.prod.acme.example', ip: '10.20.4.18' });
    expect(expected.find((doc) => doc.uid === WEB)?.vulnerabilities.find((v) => v.cve.uid === 'CVE-2024-3094')).toMatchObject({
      status: 'RESOLVED',
      firstSeenAt: new Date('2025-06-02T09:12:00Z'),
      lastSeenAt: new Date('2025-06-05T00:00:00Z'),
    });

    for (const order of [[...events].reverse(), shuffled(events, 7), shuffled(events, 42)]) {
      const database = await emptyStore();
      await apply(database, order);
      expect(await documents(database)).toEqual(expected);
    }
  });

  it('never reopens a finding with an older event that arrives after the one that closed it', async () => {
    const database = await emptyStore();
    await apply(database, [finding(Date.parse('2025-06-05T00:00:00Z'), 4, 'fixed'), finding(Date.parse('2025-06-02T09:12:00Z'), 1, 'first')]);
    const [web] = await documents(database);
    expect(web.vulnerabilities).toEqual([expect.objectContaining({ status: 'RESOLVED', firstSeenAt: new Date('2025-06-02T09:12:00Z') })]);
  });

  it('refuses, for that event alone, a uid that names a stored asset of another kind', async () => {
    const database = await emptyStore();
    await apply(database, [sampleEvents(2002)[2]]);
    const clash = { ...sampleEvents(5001)[0], device: { ...sampleEvents(5001)[0].device, uid: BASTION } };
    const outcomes = await applyBatch(5001, deviceInventoryWriter(database), [clash, sampleEvents(5001)[1]].map((value) => ({ tenant: 'acme', value })));
    expect(outcomes).toEqual([
      { status: 'failed', reason: 'Error: the uid names a stored asset of another kind (a uid names one asset: a device, a cloud resource or an application)' },
      { status: 'applied' },
    ]);
    expect((await documents(database)).map((doc) => [doc.uid, doc.kind])).toEqual([
      [LAPTOP, 'DEVICE'],
      [BASTION, 'CLOUD_RESOURCE'],
    ]);
  });

  it('stores text that starts with $ as text', async () => {
    const database = await emptyStore();
    const [sample] = sampleEvents(5001);
    await apply(database, [{ ...sample, device: { ...sample.device, name: '$hostname', region: '$$ROOT' } }]);
    expect((await documents(database))[0]).toMatchObject({ name: '$hostname', region: '$$ROOT' });
    expect(read(5001, sample).body.device.uid).toBe(WEB);
  });
});

/** A deterministic shuffle (mulberry32), so a failing order can be run again. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
