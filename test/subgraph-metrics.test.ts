import { randomBytes } from 'node:crypto';
import { generateDemoData } from '../demo-data';
import { EmbeddedDocumentDatabase } from '../subgraph-kit/documents';
import { listen } from '../lib/http-server';
import { createLogger } from '../lib/logger';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';
import type { SubgraphService } from '../subgraph-kit/define-subgraph';
import { createTestDatabase, type TestDatabase } from '../subgraph-kit/sql/test-database';
import { createAssetsService } from '../subgraphs/assets/src/server';
import { createIdentityService } from '../subgraphs/identity/src/server';
import { createIncidentsService } from '../subgraphs/incidents/src/server';

/**
 * /metrics on the subgraphs' metrics listeners, read as Prometheus reads it: after batched `_entities` requests
 * over HTTP it shows each loader's batch size and the database operations behind them, with bounded labels, per
 * service.
 */

const SCALE = 0.1;
const demo = generateDemoData({ scale: SCALE });
const secret = randomBytes(32);
const logger = createLogger('metrics-test', 'silent');
const ACME: Principal = { sub: 'usr-acme-00001', tenant: 'acme', kind: 'user', scopes: [] };

const DOCUMENT_OPERATIONS = ['find', 'findOne', 'count', 'aggregate', 'insert', 'update', 'delete', 'createIndexes'];
const SQL_OPERATIONS = ['query', 'exec', 'transaction'];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of the Prometheus text format, comments left out. */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The one sample with this name whose labels include these. */
function sampleOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

const labelValues = (samples: Sample[], name: string, label: string) => [...new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label]))].sort();

interface Running {
  service: SubgraphService;
  /** The public listener: /graphql, /healthz, /readyz. */
  url: string;
  /** The metrics listener. */
  metricsUrl: string;
}

async function start(service: SubgraphService): Promise<Running> {
  const address = await listen(service.httpServer, 0, '127.0.0.1');
  const metricsAddress = await listen(service.metricsServer, 0, '127.0.0.1');
  return { service, url: `http://127.0.0.1:${address.port}`, metricsUrl: `http://127.0.0.1:${metricsAddress.port}` };
}

async function scrape(running: Running): Promise<{ contentType: string | null; text: string; samples: Sample[] }> {
  const response = await fetch(`${running.metricsUrl}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { contentType: response.headers.get('content-type'), text, samples: parseExposition(text) };
}

async function post(running: Running, query: string, variables: object, headers = { [PRINCIPAL_HEADER]: signPrincipal(ACME, secret) }) {
  const response = await fetch(`${running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown[] } };
}

const entities = (running: Running, query: string, representations: object[]) => post(running, query, { representations });

const ASSET_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Asset { uid name } } }`;
const USER_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { uid name groups { uid } } } }`;
const USER_INCIDENTS = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { uid incidents(first: 2) { totalCount } } } }`;

const acmeAssets = demo.assets.filter((a) => a.tenant === 'acme').slice(0, 50);
const assetRepresentations = acmeAssets.map((a) => ({ __typename: { DEVICE: 'Device', CLOUD_RESOURCE: 'CloudResource', APPLICATION: 'Application' }[a.kind], uid: a.uid }));
const acmeUsers = demo.identity.users.filter((u) => u.tenant === 'acme').slice(0, 50);
const userRepresentations = acmeUsers.map((u) => ({ __typename: 'User', uid: u.uid }));

describe('subgraph /metrics', () => {
  let assetsDatabase: EmbeddedDocumentDatabase;
  let assets: Running;
  let otherAssets: Running;
  let identityDatabase: TestDatabase;
  let identity: Running;
  let incidents: Running;

  beforeAll(async () => {
    assetsDatabase = new EmbeddedDocumentDatabase();
    assets = await start(await createAssetsService({ principalSecret: secret, logger, demoDataScale: SCALE, database: assetsDatabase }));
    otherAssets = await start(await createAssetsService({ principalSecret: secret, logger, demoDataScale: SCALE, database: new EmbeddedDocumentDatabase() }));
    identityDatabase = await createTestDatabase();
    identity = await start(await createIdentityService({ principalSecret: secret, logger, demoDataScale: SCALE, database: identityDatabase.database }));
    incidents = await start(await createIncidentsService({ principalSecret: secret, logger, demoDataScale: SCALE, database: new EmbeddedDocumentDatabase() }));

    expect(acmeAssets).toHaveLength(50);
    expect(acmeUsers).toHaveLength(50);
    const assetsAnswer = await entities(assets, ASSET_ENTITIES, assetRepresentations);
    expect(assetsAnswer.body.errors).toBeUndefined();
    expect(assetsAnswer.body.data?._entities.map((e: { uid: string }) => e.uid)).toEqual(acmeAssets.map((a) => a.uid));
    const identityAnswer = await entities(identity, USER_ENTITIES, userRepresentations);
    expect(identityAnswer.body.errors).toBeUndefined();
    expect(identityAnswer.body.data?._entities.map((e: { uid: string }) => e.uid)).toEqual(acmeUsers.map((u) => u.uid));
    const incidentsAnswer = await entities(incidents, USER_INCIDENTS, userRepresentations);
    expect(incidentsAnswer.body.errors).toBeUndefined();
    expect(incidentsAnswer.body.data?._entities.map((e: { uid: string }) => e.uid)).toEqual(acmeUsers.map((u) => u.uid));
  });

  afterAll(async () => {
    await Promise.all([assets, otherAssets, identity, incidents].filter(Boolean).map((running) => running.service.close()));
    await identityDatabase?.close();
  });

  test('is served without a principal, in the Prometheus text format, on the metrics listener only', async () => {
    const { contentType, samples } = await scrape(assets);
    expect(contentType).toMatch(/^text\/plain/);
    expect(sampleOf(samples, 'palisade_subgraph_process_cpu_user_seconds_total', { service: 'assets' })).toBeGreaterThan(0);
    for (const running of [assets, identity, incidents]) {
      expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
      const elsewhere = await fetch(`${running.metricsUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      expect(elsewhere.status).toBe(404);
    }
  });

  test('a batch of 50 keys is one observation of 50 in its loader, on the assets subgraph', async () => {
    const { samples } = await scrape(assets);
    const bucket = (le: string) => sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_bucket', { loader: 'assetByUid', le });
    expect(bucket('20')).toBe(0);
    expect(bucket('50')).toBe(1);
    expect(bucket('+Inf')).toBe(1);
    expect(sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_sum', { loader: 'assetByUid' })).toBe(50);
    expect(labelValues(samples, 'palisade_subgraph_dataloader_batch_size_count', 'loader')).toEqual(['assetByUid']);
  });

  test('and on the identity subgraph, for each loader the request used', async () => {
    const { samples } = await scrape(identity);
    for (const loader of ['user', 'groupsOfUser']) {
      expect(sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_bucket', { loader, le: '20' })).toBe(0);
      expect(sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_bucket', { loader, le: '50' })).toBe(1);
      expect(sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_sum', { loader })).toBe(50);
    }
    expect(labelValues(samples, 'palisade_subgraph_dataloader_batch_size_count', 'loader')).toEqual(['groupsOfUser', 'user']);
  });

  test('and on the incidents subgraph', async () => {
    const { samples } = await scrape(incidents);
    expect(sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_bucket', { loader: 'incidentsOfUser', le: '20' })).toBe(0);
    expect(sampleOf(samples, 'palisade_subgraph_dataloader_batch_size_bucket', { loader: 'incidentsOfUser', le: '50' })).toBe(1);
    expect(labelValues(samples, 'palisade_subgraph_dataloader_batch_size_count', 'loader')).toEqual(['incidentsOfUser']);
    for (const operation of labelValues(samples, 'palisade_subgraph_db_operation_duration_seconds_count', 'operation')) expect(DOCUMENT_OPERATIONS).toContain(operation);
    expect(new Set(samples.map((s) => s.labels.service))).toEqual(new Set(['incidents']));
  });

  test('every database round trip is timed under its operation, from the fixed set of its store', async () => {
    const documents = await scrape(assets);
    const documentOperations = labelValues(documents.samples, 'palisade_subgraph_db_operation_duration_seconds_count', 'operation');
    // Seeding inserted and created indexes; the request found its 50 assets in one round trip.
    expect(documentOperations).toEqual(expect.arrayContaining(['createIndexes', 'find', 'insert']));
    for (const operation of documentOperations) expect(DOCUMENT_OPERATIONS).toContain(operation);
    const documentTrips = documents.samples.filter((s) => s.name === 'palisade_subgraph_db_operation_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
    expect(documentTrips).toBe(assetsDatabase.stats.roundTrips);

    const sql = await scrape(identity);
    const sqlOperations = labelValues(sql.samples, 'palisade_subgraph_db_operation_duration_seconds_count', 'operation');
    // Migrations and seeding ran in transactions (BEGIN and COMMIT are execs); each tenant statement is one query.
    expect(sqlOperations).toEqual([...SQL_OPERATIONS].sort());
    const statements = sql.samples
      .filter((s) => s.name === 'palisade_subgraph_db_operation_duration_seconds_count' && s.labels.operation !== 'transaction')
      .reduce((sum, s) => sum + s.value, 0);
    expect(statements).toBe(identity.service.stats.roundTrips);
  });

  test('labels carry no statement, filter, tenant or key', async () => {
    for (const running of [assets, identity, incidents]) {
      const { text, samples } = await scrape(running);
      // Uids carry their tenant, so this also finds a key that became a label.
      expect(text).not.toMatch(/SELECT|FROM |\$in|acme|globex/);
      for (const [prefix, label] of [['palisade_subgraph_db_operation_duration_seconds', 'operation'], ['palisade_subgraph_dataloader_batch_size', 'loader']]) {
        for (const sample of samples.filter((s) => s.name.startsWith(prefix))) {
          expect(Object.keys(sample.labels).sort()).toEqual(sample.name.endsWith('_bucket') ? [label, 'le', 'service'].sort() : [label, 'service']);
        }
      }
    }
  });

  test('services in one process keep their own series', async () => {
    const other = await scrape(otherAssets);
    expect(sampleOf(other.samples, 'palisade_subgraph_dataloader_batch_size_count', { loader: 'assetByUid' })).toBeUndefined();
    expect(new Set(other.samples.map((s) => s.labels.service))).toEqual(new Set(['assets']));

    const { samples } = await scrape(identity);
    expect(new Set(samples.map((s) => s.labels.service))).toEqual(new Set(['identity']));
    expect(labelValues(samples, 'palisade_subgraph_dataloader_batch_size_count', 'loader')).not.toContain('assetByUid');
    for (const operation of labelValues(samples, 'palisade_subgraph_db_operation_duration_seconds_count', 'operation')) expect(SQL_OPERATIONS).toContain(operation);
  });

  test('requests are counted by outcome; one without a valid principal is rejected', async () => {
    const [first] = acmeAssets;
    const refused = await post(otherAssets, ASSET_ENTITIES, { representations: assetRepresentations }, { [PRINCIPAL_HEADER]: signPrincipal(ACME, randomBytes(32)) });
    expect(refused.status).toBe(401);
    const served = await entities(otherAssets, ASSET_ENTITIES, assetRepresentations.slice(0, 3));
    expect(served.body.errors).toBeUndefined();
    const partial = await post(otherAssets, `{ asset(uid: "${first.uid}") { uid name } assets(first: 1000) { totalCount } }`, {});
    expect(partial.body.data).toEqual({ asset: { uid: first.uid, name: first.name }, assets: null });
    expect(partial.body.errors).toHaveLength(1);
    const failed = await post(otherAssets, '{ unknownField }', {});
    expect(failed.body.data).toBeUndefined();

    const { samples } = await scrape(otherAssets);
    for (const outcome of ['rejected', 'success', 'partial', 'error']) expect([outcome, sampleOf(samples, 'palisade_subgraph_requests_total', { outcome })]).toEqual([outcome, 1]);
  });
});
