import { DuplicateKeyError, EmbeddedDocumentDatabase, prepareCollection, TenantScopedCollection } from '../../../subgraph-kit/documents';
import { SEVERITY_ID } from '../src/data/severity';
import { ASSETS_COLLECTION, type AssetDocument, type VulnerabilityDocument } from '../src/data/asset-document';
import { ASSET_INDEXES, AssetRepository, assetCursorKey, type AssetFilter } from '../src/data/asset-repository';
import { ASSETS } from '../src/data/asset-store';
import { vulnerabilityPage } from '../src/data/vulnerability-page';
import { compareStrings, DEMO_SCALE, demoAssets, logger, sortedByNameThenUid } from './helpers';

const uids = (assets: Array<{ uid: string }>) => assets.map((a) => a.uid);
const isOpenCritical = (asset: AssetDocument) => asset.vulnerabilities.some((v) => v.severityId >= SEVERITY_ID.CRITICAL && v.severityId <= SEVERITY_ID.FATAL && (v.status === 'NEW' || v.status === 'IN_PROGRESS'));

describe('AssetRepository on the embedded store', () => {
  let database: EmbeddedDocumentDatabase;
  let acme: AssetRepository;
  const acmeAssets = demoAssets('acme');
  const globexAssets = demoAssets('globex');

  beforeAll(async () => {
    database = new EmbeddedDocumentDatabase();
    await prepareCollection(database, ASSETS, { demoDataScale: DEMO_SCALE, logger });
    acme = new AssetRepository(new TenantScopedCollection(database.collection<AssetDocument>(ASSETS_COLLECTION), 'acme'));
  });

  afterAll(() => database.close());

  test('findByUids returns the tenant’s assets among the uids asked for, in one query, and none of another tenant', async () => {
    const before = database.stats.roundTrips;
    const found = await acme.findByUids([acmeAssets[0].uid, globexAssets[0].uid, 'dev-acme-missing', acmeAssets[1].uid]);
    expect(database.stats.roundTrips - before).toBe(1);
    expect(uids(found).sort()).toEqual([acmeAssets[0].uid, acmeAssets[1].uid].sort());
    expect(found.find((a) => a.uid === acmeAssets[0].uid)).toEqual(acmeAssets[0]);
  });

  const filters: Array<[string, AssetFilter, (asset: AssetDocument) => boolean]> = [
    ['no filter', {}, () => true],
    ['kind', { kind: ['DEVICE', 'APPLICATION'] }, (a) => a.kind === 'DEVICE' || a.kind === 'APPLICATION'],
    ['criticality', { criticality: ['CRITICAL'] }, (a) => a.criticality === 'CRITICAL'],
    ['ownerUid', { ownerUid: 'usr-acme-00003' }, (a) => a.ownerUid === 'usr-acme-00003'],
    ['open critical vulnerability', { hasOpenCriticalVulnerability: true }, isOpenCritical],
    ['no open critical vulnerability', { hasOpenCriticalVulnerability: false }, (a) => !isOpenCritical(a)],
    ['all at once', { kind: ['DEVICE'], criticality: ['HIGH', 'CRITICAL'], hasOpenCriticalVulnerability: false }, (a) => a.kind === 'DEVICE' && (a.criticality === 'HIGH' || a.criticality === 'CRITICAL') && !isOpenCritical(a)],
  ];

  test.each(filters)('list with filter "%s" returns the matching assets sorted by name then uid, and their count', async (_, filter, matches) => {
    const expected = sortedByNameThenUid(acmeAssets.filter(matches));
    expect(expected.length).toBeGreaterThan(0);
    const { rows, totalCount } = await acme.list(filter, { first: 10 });
    expect(totalCount).toBe(expected.length);
    expect(uids(rows)).toEqual(uids(expected.slice(0, 11)));
  });

  test('the open critical filter needs one finding that is both open and CRITICAL or worse', async () => {
    const mixed = acmeAssets.filter((a) => !isOpenCritical(a) && a.vulnerabilities.some((v) => v.severityId >= SEVERITY_ID.CRITICAL) && a.vulnerabilities.some((v) => v.status === 'NEW'));
    expect(mixed.length).toBeGreaterThan(0);
    const { rows, totalCount } = await acme.list({ hasOpenCriticalVulnerability: true }, { first: 100 });
    expect(totalCount).toBeLessThanOrEqual(100);
    const listed = new Set(uids(rows));
    for (const asset of mixed) expect(listed.has(asset.uid)).toBe(false);
  });

  test('list continues after the cursor and reaches every asset exactly once', async () => {
    const expected = uids(sortedByNameThenUid(acmeAssets));
    const seen: string[] = [];
    let after: ReturnType<typeof assetCursorKey> | undefined;
    for (;;) {
      const { rows } = await acme.list({}, { first: 40, after });
      const page = rows.slice(0, 40);
      seen.push(...uids(page));
      if (rows.length <= 40) break;
      after = assetCursorKey(page[page.length - 1]);
    }
    expect(seen).toEqual(expected);
  });

  test('pagesByOwner returns each owner’s first page and total in one aggregate', async () => {
    const owners = ['usr-acme-00001', 'usr-acme-00002', 'usr-acme-00003', 'usr-acme-99999'];
    const before = database.stats.roundTrips;
    const pages = await acme.pagesByOwner(owners, { first: 2 });
    expect(database.stats.roundTrips - before).toBe(1);
    for (const owner of owners) {
      const expected = sortedByNameThenUid(acmeAssets.filter((a) => a.ownerUid === owner));
      const page = pages.get(owner) ?? { rows: [], totalCount: 0 };
      expect(page.totalCount).toBe(expected.length);
      expect(page.rows).toEqual(expected.slice(0, 3));
    }
    expect(pages.has('usr-acme-99999')).toBe(false);
  });

  test('pagesByOwner continues after the cursor for every owner, and still counts all their assets', async () => {
    const owners = [...new Set(acmeAssets.map((a) => a.ownerUid).filter((o): o is string => o !== null))].slice(0, 10);
    const after = assetCursorKey(sortedByNameThenUid(acmeAssets)[Math.floor(acmeAssets.length / 2)]);
    const pages = await acme.pagesByOwner(owners, { first: 1, after });
    for (const owner of owners) {
      const all = sortedByNameThenUid(acmeAssets.filter((a) => a.ownerUid === owner));
      const rest = all.filter((a) => compareStrings(a.name, after[0] as string) > 0 || (a.name === after[0] && compareStrings(a.uid, after[1] as string) > 0));
      expect(pages.get(owner)?.totalCount).toBe(all.length);
      expect(uids(pages.get(owner)?.rows ?? [])).toEqual(uids(rest.slice(0, 2)));
    }
  });

  test('pagesByOwner never reaches the owners of another tenant', async () => {
    const globexOwner = globexAssets.find((a) => a.ownerUid)!.ownerUid!;
    expect((await acme.pagesByOwner([globexOwner], { first: 5 })).size).toBe(0);
  });
});

describe('the assets collection, prepared', () => {
  test('creates the declared indexes, so a second asset with the same tenant and uid is refused', async () => {
    const database = new EmbeddedDocumentDatabase();
    await prepareCollection(database, ASSETS, { demoDataScale: 0, logger });
    const collection = database.collection<AssetDocument>(ASSETS_COLLECTION);
    const [asset] = demoAssets('acme');
    await collection.insertOne(asset);
    await expect(collection.insertOne({ ...asset, name: 'copy' })).rejects.toBeInstanceOf(DuplicateKeyError);
    await collection.insertOne({ ...asset, tenant: 'globex' });
  });

  test('declares the indexes the queries need', () => {
    expect(ASSET_INDEXES.map((i) => Object.keys(i.key))).toEqual([
      ['tenant', 'uid'],
      ['tenant', 'name', 'uid'],
      ['tenant', 'ownerUid', 'name', 'uid'],
      ['tenant', 'kind', 'name', 'uid'],
      ['tenant', 'vulnerabilities.severityId', 'vulnerabilities.status'],
    ]);
    expect(ASSET_INDEXES.filter((i) => i.unique).map((i) => i.name)).toEqual(['tenant_uid_unique']);
  });

  test('seeds the demo assets once, and nothing at scale 0', async () => {
    const database = new EmbeddedDocumentDatabase();
    const collection = database.collection<AssetDocument>(ASSETS_COLLECTION);
    await prepareCollection(database, ASSETS, { demoDataScale: 0, logger });
    expect(await collection.countDocuments({})).toBe(0);
    await prepareCollection(database, ASSETS, { demoDataScale: DEMO_SCALE, logger });
    const seeded = await collection.countDocuments({});
    expect(seeded).toBe(demoAssets('acme').length + demoAssets('globex').length);
    await prepareCollection(database, ASSETS, { demoDataScale: DEMO_SCALE, logger });
    expect(await collection.countDocuments({})).toBe(seeded);
  });
});

describe('vulnerabilityPage', () => {
  const finding = (uid: string, severity: keyof typeof SEVERITY_ID, status: VulnerabilityDocument['status']): VulnerabilityDocument => ({
    uid,
    cve: { uid: `CVE-2026-${uid}`, title: 't', cvss: 5, epss: 0.1, publishedAt: new Date(0) },
    severity: severity as VulnerabilityDocument['severity'],
    severityId: SEVERITY_ID[severity],
    status,
    fixAvailable: true,
    firstSeenAt: new Date(0),
    lastSeenAt: new Date(0),
  });
  const findings = [
    finding('v1', 'LOW', 'NEW'),
    finding('v2', 'CRITICAL', 'RESOLVED'),
    finding('v3', 'HIGH', 'NEW'),
    finding('v4', 'CRITICAL', 'NEW'),
    finding('v5', 'OTHER', 'NEW'),
    finding('v6', 'FATAL', 'IN_PROGRESS'),
    finding('v0', 'HIGH', 'SUPPRESSED'),
  ];

  test('sorts by severity id, highest first, then uid', () => {
    expect(uids(vulnerabilityPage(findings, {}, { first: 20 }).rows)).toEqual(['v5', 'v6', 'v2', 'v4', 'v0', 'v3', 'v1']);
  });

  test('severityAtLeast keeps that severity up to FATAL, and never OTHER', () => {
    const page = vulnerabilityPage(findings, { severityAtLeast: 'HIGH' }, { first: 20 });
    expect(uids(page.rows)).toEqual(['v6', 'v2', 'v4', 'v0', 'v3']);
    expect(page.totalCount).toBe(5);
  });

  test('status keeps the listed statuses', () => {
    expect(uids(vulnerabilityPage(findings, { status: ['NEW', 'IN_PROGRESS'], severityAtLeast: 'CRITICAL' }, { first: 20 }).rows)).toEqual(['v6', 'v4']);
  });

  test('continues after the cursor and fetches one more than the page, counting all that match', () => {
    const page = vulnerabilityPage(findings, {}, { first: 2, after: [SEVERITY_ID.CRITICAL, 'v2'] });
    expect(uids(page.rows)).toEqual(['v4', 'v0', 'v3']);
    expect(page.totalCount).toBe(7);
  });

  test('leaves the asset’s own array as it was', () => {
    const copy = [...findings];
    vulnerabilityPage(findings, {}, { first: 20 });
    expect(findings).toEqual(copy);
  });
});
