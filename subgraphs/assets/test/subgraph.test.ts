import { encodeCursor } from '../../../subgraph-kit/connection';
import type { AssetDocument } from '../src/data/asset-document';
import { ACME, demoAssets, execute, GLOBEX, sortedByNameThenUid, startAssetsService, type TestService } from './helpers';

const ASSET_FIELDS = `
  __typename uid tenant name criticality region createdAt owner { uid }
  ... on Device { hostname ip type os { name version type } }
  ... on CloudResource { provider resourceType accountUid }
  ... on Application { vendor version url }
`;

/** What the subgraph should answer for one stored asset, written out from the stored document. */
function expectedAsset(asset: AssetDocument): Record<string, unknown> {
  const common = {
    uid: asset.uid,
    tenant: asset.tenant,
    name: asset.name,
    criticality: asset.criticality,
    region: asset.region,
    createdAt: asset.createdAt.toISOString(),
    owner: asset.ownerUid ? { uid: asset.ownerUid } : null,
  };
  if (asset.kind === 'DEVICE') return { __typename: 'Device', ...common, hostname: asset.hostname, ip: asset.ip, type: asset.type, os: asset.os };
  if (asset.kind === 'CLOUD_RESOURCE') return { __typename: 'CloudResource', ...common, provider: asset.provider, resourceType: asset.resourceType, accountUid: asset.accountUid };
  return { __typename: 'Application', ...common, vendor: asset.vendor, version: asset.version, url: asset.url };
}

const uidsOf = (connection: { edges: Array<{ node: { uid: string } }> }) => connection.edges.map((e) => e.node.uid);

describe('assets subgraph operations', () => {
  let t: TestService;
  const acmeAssets = demoAssets('acme');
  const globexAssets = demoAssets('globex');
  const device = acmeAssets.find((a) => a.kind === 'DEVICE')!;
  const cloud = acmeAssets.find((a) => a.kind === 'CLOUD_RESOURCE')!;
  const application = acmeAssets.find((a) => a.kind === 'APPLICATION')!;
  const unowned = acmeAssets.find((a) => a.ownerUid === null)!;
  const manyFindings = acmeAssets.find((a) => a.vulnerabilities.length >= 8)!;

  beforeAll(async () => {
    t = await startAssetsService();
  });
  afterAll(() => t.service.close());

  describe('Query.asset', () => {
    test.each([
      ['Device', device],
      ['CloudResource', cloud],
      ['Application', application],
      ['an asset without owner', unowned],
    ])('returns %s with its concrete type and every field', async (_, asset) => {
      const result = await execute(t.service, ACME, `query ($uid: ID!) { asset(uid: $uid) { ${ASSET_FIELDS} } }`, { uid: asset.uid });
      expect(result.errors).toBeUndefined();
      expect(result.data!.asset).toEqual(expectedAsset(asset));
    });

    test('returns null for a uid that does not exist', async () => {
      const result = await execute(t.service, ACME, '{ asset(uid: "dev-acme-99999") { uid } }');
      expect(result).toEqual({ data: { asset: null } });
    });
  });

  describe('Asset.vulnerabilities', () => {
    test('lists the embedded findings most severe first, with every field', async () => {
      const result = await execute(t.service, ACME, `query ($uid: ID!) { asset(uid: $uid) { vulnerabilities(first: 100) { totalCount edges { node {
        uid severity status fixAvailable firstSeenAt lastSeenAt cve { uid title cvss epss publishedAt } } } } } }`, { uid: manyFindings.uid });
      expect(result.errors).toBeUndefined();
      const expected = [...manyFindings.vulnerabilities].sort((a, b) => b.severityId - a.severityId || (a.uid < b.uid ? -1 : 1));
      const connection = result.data!.asset.vulnerabilities;
      expect(connection.totalCount).toBe(manyFindings.vulnerabilities.length);
      expect(connection.edges.map((e: any) => e.node)).toEqual(
        expected.map((v) => ({
          uid: v.uid,
          severity: v.severity,
          status: v.status,
          fixAvailable: v.fixAvailable,
          firstSeenAt: v.firstSeenAt.toISOString(),
          lastSeenAt: v.lastSeenAt.toISOString(),
          cve: { uid: v.cve.uid, title: v.cve.title, cvss: v.cve.cvss, epss: v.cve.epss, publishedAt: v.cve.publishedAt?.toISOString() },
        })),
      );
    });

    test('filters by severityAtLeast and status, and pages with a cursor', async () => {
      const withOpenHigh = acmeAssets.find((a) => a.vulnerabilities.filter((v) => v.severityId >= 4 && (v.status === 'NEW' || v.status === 'IN_PROGRESS')).length >= 2)!;
      const expected = withOpenHigh.vulnerabilities
        .filter((v) => v.severityId >= 4 && v.severityId <= 6 && (v.status === 'NEW' || v.status === 'IN_PROGRESS'))
        .sort((a, b) => b.severityId - a.severityId || (a.uid < b.uid ? -1 : 1))
        .map((v) => v.uid);
      const query = `query ($uid: ID!, $after: String) { asset(uid: $uid) { vulnerabilities(first: 1, after: $after, filter: { severityAtLeast: HIGH, status: [NEW, IN_PROGRESS] }) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { uid } } } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const result = await execute(t.service, ACME, query, { uid: withOpenHigh.uid, after });
        expect(result.errors).toBeUndefined();
        const connection = result.data!.asset.vulnerabilities;
        expect(connection.totalCount).toBe(expected.length);
        seen.push(...uidsOf(connection));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    });
  });

  describe('Query.assets', () => {
    test('walks every asset of the tenant page by page, in name then uid order, each once', async () => {
      const expected = sortedByNameThenUid(acmeAssets).map((a) => a.uid);
      const query = `query ($after: String) { assets(first: 37, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { uid } } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const result = await execute(t.service, ACME, query, { after });
        expect(result.errors).toBeUndefined();
        const connection = result.data!.assets;
        expect(connection.totalCount).toBe(acmeAssets.length);
        expect(connection.pageInfo.startCursor).toBe(connection.edges[0].cursor);
        expect(connection.pageInfo.endCursor).toBe(connection.edges[connection.edges.length - 1].cursor);
        seen.push(...uidsOf(connection));
        pages += 1;
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(pages).toBe(Math.ceil(acmeAssets.length / 37));
      expect(seen).toEqual(expected);
    });

    test('defaults to 20 and accepts first: 0 (an empty page that still counts and tells whether more exist)', async () => {
      const result = await execute(t.service, ACME, '{ all: assets { totalCount edges { node { uid } } } none: assets(first: 0) { totalCount edges { node { uid } } pageInfo { hasNextPage endCursor } } }');
      expect(result.errors).toBeUndefined();
      expect(result.data!.all.edges).toHaveLength(20);
      expect(result.data!.none).toEqual({ totalCount: acmeAssets.length, edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
    });

    const isOpenCritical = (a: AssetDocument) => a.vulnerabilities.some((v) => v.severityId >= 5 && v.severityId <= 6 && (v.status === 'NEW' || v.status === 'IN_PROGRESS'));
    test.each<[string, string, (a: AssetDocument) => boolean]>([
      ['kind', '{ kind: [CLOUD_RESOURCE, APPLICATION] }', (a) => a.kind !== 'DEVICE'],
      ['criticality', '{ criticality: [HIGH, CRITICAL] }', (a) => a.criticality === 'HIGH' || a.criticality === 'CRITICAL'],
      ['ownerUid', '{ ownerUid: "usr-acme-00007" }', (a) => a.ownerUid === 'usr-acme-00007'],
      ['hasOpenCriticalVulnerability: true', '{ hasOpenCriticalVulnerability: true }', isOpenCritical],
      ['hasOpenCriticalVulnerability: false', '{ hasOpenCriticalVulnerability: false }', (a) => !isOpenCritical(a)],
      ['kind and open critical', '{ kind: [DEVICE], hasOpenCriticalVulnerability: true }', (a) => a.kind === 'DEVICE' && isOpenCritical(a)],
    ])('filter %s', async (_, filter, matches) => {
      const expected = sortedByNameThenUid(acmeAssets.filter(matches));
      expect(expected.length).toBeGreaterThan(0);
      const result = await execute(t.service, ACME, `{ assets(first: 100, filter: ${filter}) { totalCount edges { node { uid } } } }`);
      expect(result.errors).toBeUndefined();
      expect(result.data!.assets.totalCount).toBe(expected.length);
      expect(uidsOf(result.data!.assets)).toEqual(expected.slice(0, 100).map((a) => a.uid));
    });
  });

  describe('_entities', () => {
    const ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Asset { ${ASSET_FIELDS} } } }`;

    test('resolves references sent as Asset (the interface object of incidents) to their concrete types', async () => {
      const assets = [device, cloud, application];
      const result = await execute(t.service, ACME, ENTITIES, { representations: assets.map((a) => ({ __typename: 'Asset', uid: a.uid })) });
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities).toEqual(assets.map(expectedAsset));
    });

    test('resolves references sent as a concrete type, and null when the asset is of another kind or absent', async () => {
      const representations = [
        { __typename: 'Device', uid: device.uid },
        { __typename: 'CloudResource', uid: cloud.uid },
        { __typename: 'Application', uid: application.uid },
        { __typename: 'Device', uid: cloud.uid },
        { __typename: 'Asset', uid: 'dev-acme-99999' },
      ];
      const result = await execute(t.service, ACME, ENTITIES, { representations });
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities).toEqual([expectedAsset(device), expectedAsset(cloud), expectedAsset(application), null, null]);
    });

    test('User.ownedAssets pages through a user’s assets in name then uid order', async () => {
      const owner = 'usr-acme-00002';
      const expected = sortedByNameThenUid(acmeAssets.filter((a) => a.ownerUid === owner)).map((a) => a.uid);
      expect(expected.length).toBeGreaterThan(2);
      const query = `query ($representations: [_Any!]!, $after: String) { _entities(representations: $representations) {
        ... on User { uid ownedAssets(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { __typename uid } } } } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const result = await execute(t.service, ACME, query, { representations: [{ __typename: 'User', uid: owner }], after });
        expect(result.errors).toBeUndefined();
        const [user] = result.data!._entities;
        expect(user.uid).toBe(owner);
        expect(user.ownedAssets.totalCount).toBe(expected.length);
        seen.push(...uidsOf(user.ownedAssets));
        if (!user.ownedAssets.pageInfo.hasNextPage) break;
        after = user.ownedAssets.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    });

    test('a user who owns nothing has an empty connection', async () => {
      const result = await execute(t.service, ACME, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { ownedAssets { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } } } }`, {
        r: [{ __typename: 'User', uid: 'usr-acme-99999' }],
      });
      expect(result.data!._entities).toEqual([{ ownedAssets: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } }]);
    });
  });

  describe('tenant isolation: a globex principal cannot read acme assets', () => {
    const acmeAsset = acmeAssets[0];
    const acmeOwner = acmeAssets.find((a) => a.ownerUid)!.ownerUid!;

    test('by uid', async () => {
      expect(await execute(t.service, GLOBEX, `{ asset(uid: "${acmeAsset.uid}") { uid } }`)).toEqual({ data: { asset: null } });
    });

    test('in lists, whatever the filter says', async () => {
      const result = await execute(t.service, GLOBEX, `{ assets(first: 100, filter: { ownerUid: "${acmeOwner}" }) { totalCount } all: assets(first: 100) { totalCount edges { node { tenant uid } } } }`);
      expect(result.errors).toBeUndefined();
      expect(result.data!.assets.totalCount).toBe(0);
      expect(result.data!.all.totalCount).toBe(globexAssets.length);
      expect(result.data!.all.edges.every((e: any) => e.node.tenant === 'globex')).toBe(true);
    });

    test('through _entities, as Asset or as its concrete type', async () => {
      const result = await execute(t.service, GLOBEX, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { uid } } }', {
        r: [{ __typename: 'Asset', uid: acmeAsset.uid }, { __typename: 'Device', uid: device.uid }, { __typename: 'Asset', uid: acmeAsset.uid, tenant: 'acme' }],
      });
      expect(result).toEqual({ data: { _entities: [null, null, null] } });
    });

    test('through User.ownedAssets of an acme user', async () => {
      const result = await execute(t.service, GLOBEX, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { ownedAssets { totalCount edges { node { uid } } } } } }', {
        r: [{ __typename: 'User', uid: acmeOwner, tenant: 'acme' }],
      });
      expect(result).toEqual({ data: { _entities: [{ ownedAssets: { totalCount: 0, edges: [] } }] } });
    });
  });

  describe('bad input is BAD_USER_INPUT naming the argument', () => {
    const vulnerabilityCursor = encodeCursor([5, 'vul-acme-000001']);
    test.each([
      ['assets first below 0', '{ assets(first: -1) { totalCount } }', 'first'],
      ['assets first above 100', '{ assets(first: 101) { totalCount } }', 'first'],
      ['assets after that is not a cursor', '{ assets(after: "not-a-cursor") { totalCount } }', 'after'],
      ['assets after of another list', `{ assets(after: "${vulnerabilityCursor}") { totalCount } }`, 'after'],
      ['vulnerabilities first above 100', `{ asset(uid: "${acmeAssets[0].uid}") { vulnerabilities(first: 1000) { totalCount } } }`, 'first'],
      ['vulnerabilities after of another list', `{ asset(uid: "${acmeAssets[0].uid}") { vulnerabilities(after: "${encodeCursor(['name', 'uid'])}") { totalCount } } }`, 'after'],
      ['an Asset representation without a uid', '{ _entities(representations: [{ __typename: "Asset" }]) { ... on Asset { uid } } }', 'representations'],
      ['a User representation with a uid that is not a string', '{ _entities(representations: [{ __typename: "User", uid: 7 }]) { ... on User { ownedAssets { totalCount } } } }', 'representations'],
    ])('%s', async (_, query, argumentName) => {
      const result = await execute(t.service, ACME, query);
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName });
      expect(result.errors![0].message).toContain(`argument "${argumentName}"`);
    });

    test('User.ownedAssets with a bad first or after', async () => {
      const query = 'query ($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on User { ownedAssets(first: $first, after: $after) { totalCount } } } }';
      const r = [{ __typename: 'User', uid: 'usr-acme-00001' }];
      const tooMany = await execute(t.service, ACME, query, { r, first: 500 });
      expect(tooMany.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName: 'first' });
      const garbage = await execute(t.service, ACME, query, { r, after: '%%%' });
      expect(garbage.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName: 'after' });
    });
  });
});
