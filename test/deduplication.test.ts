import { holdingProxy, pollUntil, reloadsApplied, scrape, total, watchedSupergraph, withoutIncidentDescription } from './support/gateway-probes';
import { postGraphQL, readOperation, roundTripsSince, snapshotRoundTrips, startGraph, type Graph, type GraphQLResponse, type StartedGateway } from './support/graph';

const INCIDENT_BOARD = readOperation('IncidentBoard');
const INCIDENTS = '{ incidents(first: 3) { edges { node { uid title } } } }';
const DEDUPLICATED = 'palisade_gateway_deduplicated_total';

let graph: Graph;
let acme: string;
const cleanups: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  // The change relay's sweep is a round trip of its own: kept out of the requests whose round trips are counted.
  graph = await startGraph({ demoDataScale: 0.02, changeSweepIntervalMs: 3_600_000 });
  acme = await graph.token();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await graph?.close();
});

/** A gateway whose fetches to the incidents subgraph wait at a proxy until released. */
async function gatewayHoldingIncidents(env: Record<string, string> = {}) {
  const incidents = await holdingProxy(graph.subgraphUrls.incidents, cleanups);
  const gateway = await graph.startGateway({ INCIDENTS_URL: incidents.url, ...env });
  return { incidents, gateway };
}

async function deduplicated(gateway: StartedGateway, stage: 'operation' | 'subgraph_fetch'): Promise<number> {
  return total(await scrape(gateway.metricsUrl), DEDUPLICATED, { stage });
}

function incidentUids(response: GraphQLResponse): string[] {
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.incidents.edges.map((edge: { node: { uid: string } }) => edge.node.uid);
}

describe('identical queries in flight', () => {
  it('execute once for one principal, and every caller gets the whole answer', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents();
    const variables = { first: 10 };
    const alone = await postGraphQL(graph.url, INCIDENT_BOARD, variables, acme);
    expect(alone.body.errors).toBeUndefined();

    const before = snapshotRoundTrips(graph.stats);
    const answers = Array.from({ length: 5 }, () => postGraphQL(gateway.url, INCIDENT_BOARD, variables, acme));
    // The joins are counted when the requests reach the executor, maybe before the first one's fetch arrives.
    await pollUntil('four requests to join the first, whose fetch waits at the subgraph', async () =>
      (await deduplicated(gateway, 'operation')) === 4 && incidents.held() === 1 ? true : undefined,
    );
    incidents.release();

    for (const answer of await Promise.all(answers)) expect(answer.body).toEqual(alone.body);
    const trips = roundTripsSince(graph.stats, before);
    // What one board request costs, in every subgraph: the other four cost nothing.
    const single = snapshotRoundTrips(graph.stats);
    await postGraphQL(gateway.url, INCIDENT_BOARD, variables, acme);
    expect(trips).toEqual(roundTripsSince(graph.stats, single));
  });

  it('share one execution when authorization removed fields, and each answer gets its nulls and errors', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents();
    const withoutPii = await graph.token({ scopes: ['identity:read', 'incidents:read'] });
    const query = '{ incidents(first: 3) { edges { node { uid assignee { uid email } } } } }';
    const answers = [postGraphQL(gateway.url, query, undefined, withoutPii), postGraphQL(gateway.url, query, undefined, withoutPii)];
    await pollUntil('the second request to join the first', async () => ((await deduplicated(gateway, 'operation')) === 1 ? true : undefined));
    incidents.release();

    for (const answer of await Promise.all(answers)) {
      const assignees = answer.body.data!.incidents.edges.map((edge: { node: { assignee: unknown } }) => edge.node.assignee).filter(Boolean);
      expect(assignees.length).toBeGreaterThan(0);
      for (const assignee of assignees) expect(assignee).toEqual({ uid: expect.any(String), email: null });
      // One error per removed field of the operation, as Apollo Router reports it.
      expect(answer.body.errors!.map((error) => error.extensions!.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    }
  });

  it('are never shared between tenants', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents();
    const globex = await graph.token({ sub: 'usr-globex-00001', tenant: 'globex' });
    const answers = [postGraphQL(gateway.url, INCIDENTS, undefined, acme), postGraphQL(gateway.url, INCIDENTS, undefined, globex)];
    await pollUntil('both requests at the incidents subgraph', async () => (incidents.held() === 2 ? true : undefined));
    incidents.release();

    const [acmeUids, globexUids] = (await Promise.all(answers)).map(incidentUids);
    expect(acmeUids.length).toBe(3);
    expect(acmeUids.every((uid) => uid.includes('acme'))).toBe(true);
    expect(globexUids.every((uid) => uid.includes('globex'))).toBe(true);
    expect(await deduplicated(gateway, 'operation')).toBe(0);
  });

  it('are not shared between principals of one tenant with different scopes', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents();
    const narrower = await graph.token({ scopes: ['incidents:read'] });
    const answers = [postGraphQL(gateway.url, INCIDENTS, undefined, acme), postGraphQL(gateway.url, INCIDENTS, undefined, narrower)];
    await pollUntil('both requests at the incidents subgraph', async () => (incidents.held() === 2 ? true : undefined));
    incidents.release();
    await Promise.all(answers);
    expect(await deduplicated(gateway, 'operation')).toBe(0);
  });

  it('do not join an execution that started before a mutation', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents();
    const writer = await graph.token({ scopes: ['incidents:read', 'incidents:write'] });
    const [uid] = incidentUids(await postGraphQL(graph.url, INCIDENTS, undefined, writer));
    const query = `{ incident(uid: "${uid}") { uid timeline { kind message } } }`;

    const first = postGraphQL(gateway.url, query, undefined, writer);
    await pollUntil('the query at the incidents subgraph', async () => (incidents.held() === 1 ? true : undefined));
    const note = postGraphQL(gateway.url, `mutation { addIncidentNote(uid: "${uid}", note: "contained") { uid } }`, undefined, writer);
    await pollUntil('the mutation at the incidents subgraph', async () => (incidents.held() === 2 ? true : undefined));
    const second = postGraphQL(gateway.url, query, undefined, writer);
    await pollUntil('the later query at the incidents subgraph, on its own', async () => (incidents.held() === 3 ? true : undefined));
    incidents.release();

    for (const answer of await Promise.all([first, note, second])) expect(answer.body.errors).toBeUndefined();
    expect(await deduplicated(gateway, 'operation')).toBe(0);
    const after = await postGraphQL(gateway.url, query, undefined, writer);
    expect(after.body.data!.incident.timeline.map((entry: { message: string }) => entry.message)).toContain('contained');
  });

  it('do not join an execution that started before the supergraph changed', async () => {
    const supergraph = watchedSupergraph(cleanups);
    const { incidents, gateway } = await gatewayHoldingIncidents({ SUPERGRAPH_PATH: supergraph.path });

    const before = postGraphQL(gateway.url, INCIDENTS, undefined, acme);
    await pollUntil('the first request at the incidents subgraph', async () => (incidents.held() === 1 ? true : undefined));
    supergraph.replace(withoutIncidentDescription(supergraph.committed));
    await reloadsApplied(gateway.metricsUrl, 1);
    const after = postGraphQL(gateway.url, INCIDENTS, undefined, acme);
    // It executes on its own; its fetch, the same request to the same subgraph, may join the one in flight.
    await pollUntil('the request after the reload to fetch', async () => ((await deduplicated(gateway, 'subgraph_fetch')) === 1 ? true : undefined));
    incidents.release();

    expect(incidentUids(await after)).toEqual(incidentUids(await before));
    expect(await deduplicated(gateway, 'operation')).toBe(0);
  });

  it('each execute when DEDUPLICATION=off', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents({ DEDUPLICATION: 'off' });
    const answers = Array.from({ length: 3 }, () => postGraphQL(gateway.url, INCIDENTS, undefined, acme));
    await pollUntil('every request at the incidents subgraph', async () => (incidents.held() === 3 ? true : undefined));
    incidents.release();
    await Promise.all(answers);
    expect(await deduplicated(gateway, 'operation')).toBe(0);
  });
});

describe('identical subgraph fetches in flight', () => {
  it('are sent once when different operations need the same fetch for one principal', async () => {
    const { incidents, gateway } = await gatewayHoldingIncidents();
    // The same selection written two ways: two operations to the gateway, one fetch to the subgraph.
    const spaced = postGraphQL(gateway.url, INCIDENTS, undefined, acme);
    const compact = postGraphQL(gateway.url, '{incidents(first:3){edges{node{uid title}}}}', undefined, acme);
    await pollUntil('the second fetch to join the first, which waits at the subgraph', async () =>
      (await deduplicated(gateway, 'subgraph_fetch')) === 1 && incidents.held() === 1 ? true : undefined,
    );
    incidents.release();

    const [a, b] = await Promise.all([spaced, compact]);
    expect(incidentUids(a)).toEqual(incidentUids(b));
    expect(a.body).toEqual(b.body);
    expect(await deduplicated(gateway, 'operation')).toBe(0);
  });
});
