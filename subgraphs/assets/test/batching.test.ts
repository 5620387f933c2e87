import { TenantScopedCollection } from '../../../subgraph-kit/documents';
import { ASSETS_COLLECTION, type AssetDocument } from '../src/data/asset-document';
import { AssetRepository } from '../src/data/asset-repository';
import { createAssetLoaders } from '../src/data/loaders';
import { ACME, demoAssets, execute, GLOBEX, startAssetsService, type TestService } from './helpers';

const ENTITY_QUERY = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Asset { uid name owner { uid } vulnerabilities(first: 2, filter: { severityAtLeast: HIGH }) { totalCount edges { node { uid severity } } } }
    ... on Device { hostname }
  }
}`;

const OWNED_ASSETS_QUERY = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { uid ownedAssets(first: 3) { totalCount edges { node { uid vulnerabilities { totalCount } } } } }
  }
}`;

describe('batching: round trips do not grow with the number of parents', () => {
  let t: TestService;
  const acmeAssets = demoAssets('acme');
  const acmeOwners = [...new Set(acmeAssets.map((a) => a.ownerUid).filter((o): o is string => o !== null))];

  beforeAll(async () => {
    t = await startAssetsService();
  });
  afterAll(() => t.service.close());

  async function roundTripsOf(query: string, representations: object[]): Promise<{ roundTrips: number; entities: any[] }> {
    const before = t.database.stats.roundTrips;
    const result = await execute(t.service, ACME, query, { representations });
    expect(result.errors).toBeUndefined();
    return { roundTrips: t.database.stats.roundTrips - before, entities: result.data!._entities };
  }

  test('_entities of 50 assets costs the same one query as of 5, whatever __typename they arrive with', async () => {
    const representationsOf = (n: number) => acmeAssets.slice(0, n).map((a, i) => ({ __typename: i % 2 === 0 ? 'Asset' : { DEVICE: 'Device', CLOUD_RESOURCE: 'CloudResource', APPLICATION: 'Application' }[a.kind], uid: a.uid }));
    const five = await roundTripsOf(ENTITY_QUERY, representationsOf(5));
    const fifty = await roundTripsOf(ENTITY_QUERY, representationsOf(50));
    expect(five.roundTrips).toBe(1);
    expect(fifty.roundTrips).toBe(five.roundTrips);
    expect(fifty.entities.map((e) => e.uid)).toEqual(acmeAssets.slice(0, 50).map((a) => a.uid));
  });

  test('ownedAssets of 50 users costs the same one aggregate as of 5', async () => {
    expect(acmeOwners.length).toBeGreaterThanOrEqual(50);
    const representationsOf = (n: number) => acmeOwners.slice(0, n).map((uid) => ({ __typename: 'User', uid }));
    const five = await roundTripsOf(OWNED_ASSETS_QUERY, representationsOf(5));
    const fifty = await roundTripsOf(OWNED_ASSETS_QUERY, representationsOf(50));
    expect(five.roundTrips).toBe(1);
    expect(fifty.roundTrips).toBe(five.roundTrips);
    for (const entity of fifty.entities) {
      expect(entity.ownedAssets.totalCount).toBe(acmeAssets.filter((a) => a.ownerUid === entity.uid).length);
    }
  });

  test('users asking for different pages are batched per page request: one aggregate for each', async () => {
    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on User { a: ownedAssets(first: 1) { totalCount } b: ownedAssets(first: 2) { totalCount } c: ownedAssets(first: 1) { totalCount } } }
    }`;
    const { roundTrips } = await roundTripsOf(query, acmeOwners.slice(0, 20).map((uid) => ({ __typename: 'User', uid })));
    expect(roundTrips).toBe(2);
  });

  test('a list of assets with their findings, owners and kinds costs one find and one count', async () => {
    const before = t.database.stats.roundTrips;
    const result = await execute(t.service, ACME, '{ assets(first: 100) { totalCount edges { node { uid owner { uid } vulnerabilities(first: 5) { totalCount edges { node { uid cve { uid } } } } ... on Device { os { name } } } } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data!.assets.edges).toHaveLength(100);
    expect(t.database.stats.roundTrips - before).toBe(2);
  });
});

describe('assetByUid loader', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startAssetsService();
  });
  afterAll(() => t.service.close());

  test('returns one value per key in key order, null for a missing uid or another tenant’s, from one query', async () => {
    const collection = t.database.collection<AssetDocument>(ASSETS_COLLECTION);
    const loaders = createAssetLoaders(collection, ACME);
    const [a, b] = demoAssets('acme');
    const [g] = demoAssets('globex');
    const before = t.database.stats.roundTrips;
    const loaded = await Promise.all([b.uid, 'dev-acme-none', g.uid, a.uid].map((uid) => loaders.assetByUid.load(uid)));
    expect(t.database.stats.roundTrips - before).toBe(1);
    expect(loaded.map((asset) => asset?.uid ?? null)).toEqual([b.uid, null, null, a.uid]);
  });

  test('a loader created for a globex principal does not load an acme asset', async () => {
    const collection = t.database.collection<AssetDocument>(ASSETS_COLLECTION);
    const [a] = demoAssets('acme');
    expect((await createAssetLoaders(collection, ACME).assetByUid.load(a.uid))?.uid).toBe(a.uid);
    expect(await createAssetLoaders(collection, GLOBEX).assetByUid.load(a.uid)).toBeNull();
  });

  test('the repository behind the loaders is scoped to the principal’s tenant', async () => {
    const collection = t.database.collection<AssetDocument>(ASSETS_COLLECTION);
    const loaders = createAssetLoaders(collection, GLOBEX);
    const direct = new AssetRepository(new TenantScopedCollection(collection, 'globex'));
    expect(await loaders.repository.list({}, { first: 5 })).toEqual(await direct.list({}, { first: 5 }));
  });
});
