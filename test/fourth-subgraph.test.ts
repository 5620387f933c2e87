import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threatIntelSubgraph } from '../examples/threat-intel/src/server';
import { listen } from '../lib/http-server';
import { createLogger } from '../lib/logger';
import { composeSupergraph, SUBGRAPHS } from '../scripts/supergraph';
import { EmbeddedDocumentDatabase } from '../subgraph-kit/documents';
import type { SubgraphService } from '../subgraph-kit/define-subgraph';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { scrape, total } from './support/gateway-probes';
import { ALL_READ_SCOPES, postGraphQL, startGraph, type Graph } from './support/graph';

/**
 * A subgraph Palisade did not ship (examples/threat-intel, written with the kit), composed into the supergraph
 * and served by the gateway's own entry point, unmodified, in its own process: the supergraph names the
 * subgraph, SUBGRAPH_THREAT_INTEL_URL points at it, and every protection the three shipped subgraphs have applies.
 */
const rootDir = join(__dirname, '..');
const DEMO_SCALE = 0.02;
const INTEL_SCOPES = [...ALL_READ_SCOPES, 'intel:read'];

let graph: Graph;
let intel: SubgraphService;
let intelUrl: string;
let gateway: GatewayProcess;
let supergraphDir: string;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: DEMO_SCALE });
  intel = await threatIntelSubgraph.create({
    principalSecret: Buffer.from(graph.gatewayEnv.PRINCIPAL_SECRET, 'utf8'),
    logger: createLogger('threat-intel', 'silent'),
    demoDataScale: DEMO_SCALE,
    database: new EmbeddedDocumentDatabase(),
  });
  intelUrl = `http://127.0.0.1:${(await listen(intel.httpServer, 0, '127.0.0.1')).port}/graphql`;

  // Composed as a team would: the shipped subgraphs and theirs, with the URL their deployment gives it.
  const composed = composeSupergraph(rootDir, [...SUBGRAPHS, { name: 'threat-intel', url: 'http://threat-intel.example:4005/graphql', schema: 'examples/threat-intel/schema.graphql' }]);
  if (!composed.ok) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  supergraphDir = mkdtempSync(join(tmpdir(), 'palisade-four-'));
  writeFileSync(join(supergraphDir, 'supergraph.graphql'), composed.supergraphSdl);

  gateway = await startGatewayProcess({ ...graph.gatewayEnv, SUPERGRAPH_PATH: join(supergraphDir, 'supergraph.graphql'), SUBGRAPH_THREAT_INTEL_URL: intelUrl }, cleanups);
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await intel?.close();
  await graph?.close();
  if (supergraphDir) rmSync(supergraphDir, { recursive: true, force: true });
});

const request = (query: string, token: string | undefined) => postGraphQL(`${gateway.origin}/graphql`, query, undefined, token);
const intelToken = (tenant = 'acme') => graph.token({ tenant, sub: `usr-${tenant}-00001`, scopes: INTEL_SCOPES });

describe('a fourth subgraph composed in, through the unmodified gateway', () => {
  it('answers across all four subgraphs: indicators, the devices they were seen on (assets), and their owners (identity)', async () => {
    const { status, body } = await request('{ indicators(first: 5) { uid type value reputation devices { uid name owner { name } } } }', await intelToken());
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const indicators = body.data!.indicators as Array<{ uid: string; devices: Array<{ uid: string; name: string; owner: { name: string } | null }> }>;
    expect(indicators).toHaveLength(5);
    for (const indicator of indicators) {
      expect(indicator.uid).toMatch(/^ioc-acme-/);
      expect(indicator.devices).toHaveLength(1);
      expect(indicator.devices[0].uid).toMatch(/^dev-acme-/);
      expect(typeof indicator.devices[0].name).toBe('string');
    }
    expect(indicators.some((indicator) => typeof indicator.devices[0].owner?.name === 'string')).toBe(true);
  });

  it("extends another subgraph's entity, batched: a page of devices' indicators costs the new subgraph one round trip", async () => {
    const before = intel.stats.roundTrips;
    const { body } = await request('{ assets(first: 40, filter: { kind: [DEVICE] }) { edges { node { uid ... on Device { indicators { uid } } } } } }', await intelToken());
    expect(body.errors).toBeUndefined();
    const devices = body.data!.assets.edges as Array<{ node: { uid: string; indicators: Array<{ uid: string }> } }>;
    expect(devices.length).toBeGreaterThan(4);
    expect(devices.some((edge) => edge.node.indicators.length > 0)).toBe(true);
    expect(intel.stats.roundTrips - before).toBe(1);
  });

  it("keeps tenants apart: globex sees only its own indicators, and acme's by uid is null", async () => {
    const acme = await request('{ indicators(first: 1) { uid } }', await intelToken('acme'));
    const acmeUid = acme.body.data!.indicators[0].uid as string;
    const { body } = await request(`{ indicators(first: 50) { uid } indicator(uid: "${acmeUid}") { uid } }`, await intelToken('globex'));
    expect(body.errors).toBeUndefined();
    expect(body.data!.indicator).toBeNull();
    expect((body.data!.indicators as Array<{ uid: string }>).length).toBeGreaterThan(0);
    for (const indicator of body.data!.indicators as Array<{ uid: string }>) expect(indicator.uid).toMatch(/^ioc-globex-/);
  });

  it("applies the new subgraph's scopes: without intel:read its fields are refused with the scope named, the rest still answers", async () => {
    const { body } = await request('{ indicators(first: 1) { uid } assets(first: 1) { totalCount } }', await graph.token());
    expect(body.data!.indicators).toBeNull();
    expect(body.data!.assets.totalCount).toBeGreaterThan(0);
    expect(body.errors).toEqual([expect.objectContaining({ path: ['indicators'], extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
  });

  it('requires a token, and the subgraph itself refuses a request the gateway did not sign', async () => {
    const anonymous = await request('{ indicators(first: 1) { uid } }', undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const direct = await postGraphQL(intelUrl, '{ indicators(first: 1) { uid } }', undefined, await intelToken());
    expect(direct.status).toBe(401);
  });

  it('applies operation limits and argument bounds to its fields', async () => {
    const nested = `{ indicators(first: 1) { ${'devices { indicators { '.repeat(7)}uid${' } }'.repeat(7)} } }`;
    const deep = await request(nested, await intelToken());
    expect(deep.body.data).toBeUndefined();
    expect(deep.body.errors![0].extensions!.code).toBe('OPERATION_LIMIT_EXCEEDED');
    const tooMany = await request('{ indicators(first: 1000) { uid } }', await intelToken());
    expect(tooMany.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors![0].message).toMatch(/first must be between 0 and 100/);
  });

  it('measures it per subgraph name, retries its queries, and serves the rest with DOWNSTREAM_SERVICE_ERROR on its fields when it is down', async () => {
    const samples = await scrape(gateway.metricsUrl);
    expect(total(samples, 'palisade_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'threat-intel', outcome: 'ok' })).toBeGreaterThan(0);
    expect(total(samples, 'palisade_gateway_subgraph_breaker_state', { subgraph: 'threat-intel' })).toBe(0);

    await intel.close();
    const { body } = await request('{ indicators(first: 1) { uid } assets(first: 1) { totalCount } }', await intelToken());
    expect(body.data!.indicators).toBeNull();
    expect(body.data!.assets.totalCount).toBeGreaterThan(0);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'threat-intel' }) })]);
    // A query, so retried: one attempt and SUBGRAPH_RETRIES' two retries, each counted.
    const after = await scrape(gateway.metricsUrl);
    expect(total(after, 'palisade_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'threat-intel', outcome: 'network_error' })).toBe(3);
  });
});
