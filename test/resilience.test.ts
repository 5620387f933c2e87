import { createServer, type IncomingMessage, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { close, listen } from '../lib/http-server';
import { createLogger } from '../lib/logger';
import { createIdentityService } from '../subgraphs/identity/src/server';
import { postGraphQL, readOperation, startGraph, type Graph, type GraphQLResponse } from './support/graph';

const INCIDENT_BOARD = readOperation('IncidentBoard');
const BREAKER_COOLDOWN_MS = 500;
const SUBGRAPH_TIMEOUT_MS = 800;

let graph: Graph;
let token: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: 0.02 });
  token = await graph.token();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await graph?.close();
});

type BoardNode = {
  uid: string;
  assignee: { uid: string; name: string } | null;
  affectedAssets: Array<{ role: string; asset: { uid: string; name: string; owner: { name: string } | null } | null }>;
};
type GraphQLError = NonNullable<GraphQLResponse['body']['errors']>[number];

function boardNodes(response: GraphQLResponse): BoardNode[] {
  return response.body.data!.incidents.edges.map((edge: { node: BoardNode }) => edge.node);
}

/** Every error that names a subgraph names this one. */
function serviceNames(errors: GraphQLError[] | undefined): Set<string> {
  return new Set((errors ?? []).map((error) => error.extensions?.serviceName as string));
}

/** Calls `attempt` until it returns a value, waiting `intervalMs` between calls, for at most `timeoutMs`. */
async function pollUntil<T>(attempt: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`no answer as expected within ${timeoutMs} ms`);
    await delay(intervalMs);
  }
}

/** A node:http server standing in for a subgraph that accepts requests and never answers them. */
async function hangingServer(): Promise<{ url: string; received: () => number }> {
  const pending = new Set<IncomingMessage>();
  let received = 0;
  const server: Server = createServer((request) => {
    received++;
    pending.add(request);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  cleanups.push(async () => {
    server.closeAllConnections();
    await close(server);
  });
  return { url: `http://127.0.0.1:${port}/graphql`, received: () => received };
}

describe('the assets subgraph goes down and comes back', () => {
  it('serves incidents and users without assets while it is down, stays ready, and is whole again within the cooldown', async () => {
    const gateway = await graph.startGateway({ BREAKER_COOLDOWN_MS: String(BREAKER_COOLDOWN_MS) });
    const whole = await postGraphQL(gateway.url, INCIDENT_BOARD, undefined, token);
    expect(whole.body.errors).toBeUndefined();
    const wholeNodes = boardNodes(whole);
    expect(wholeNodes.some((node) => node.affectedAssets.length > 0)).toBe(true);

    await graph.stopSubgraph('assets');
    let restarted = false;
    cleanups.push(async () => {
      if (!restarted) await graph.startSubgraph('assets');
    });

    // Enough requests to go through connection failures, the breaker opening, and calls it refuses.
    const messages = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: INCIDENT_BOARD }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      const body = (await response.json()) as GraphQLResponse['body'];
      const nodes = boardNodes({ status: 200, headers: response.headers, body });

      // Incidents (incidents subgraph) and their assignees (identity) are all there.
      expect(nodes.map((node) => node.uid)).toEqual(wholeNodes.map((node) => node.uid));
      expect(nodes.map((node) => node.assignee)).toEqual(wholeNodes.map((node) => node.assignee));
      expect(nodes.some((node) => node.assignee?.name)).toBe(true);
      // Each affected asset keeps its role (incidents) and loses what the assets subgraph serves.
      for (const [index, node] of nodes.entries()) {
        expect(node.affectedAssets).toEqual(wholeNodes[index].affectedAssets.map(({ role }) => ({ role, asset: null })));
      }
      expect(body.errors!.length).toBeGreaterThan(0);
      for (const error of body.errors!) {
        expect(error.extensions).toEqual({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'assets' });
        expect(error.message).toContain('"assets"');
        expect(error.message).not.toMatch(/127\.0\.0\.1|\n\s+at /);
        messages.add(error.message);
      }
    }
    // Connections refused (retried, or one probe after a cooldown), then calls refused by the open circuit.
    const refused = /^Request to subgraph "assets" failed \(ECONNREFUSED\) after (1 attempt|3 attempts)$/;
    const circuitOpen = 'Subgraph "assets" is unavailable (circuit open after repeated failures); try again later';
    for (const message of messages) expect(message === circuitOpen || refused.test(message)).toBe(true);
    expect(messages).toContain(circuitOpen);
    expect(messages).toContain('Request to subgraph "assets" failed (ECONNREFUSED) after 3 attempts');

    const readyz = await fetch(`${gateway.origin}/readyz`);
    expect(readyz.status).toBe(200);
    const readiness = (await readyz.json()) as { ready: boolean; checks: Record<string, string> };
    expect(readiness.ready).toBe(true);
    expect(readiness.checks).toMatchObject({ supergraph: 'ok', identity: 'ok', incidents: 'ok' });
    expect(readiness.checks.assets).toMatch(/^unreachable; circuit (open|half-open)$/);

    await graph.startSubgraph('assets');
    restarted = true;
    const backAt = performance.now();
    const healed = await pollUntil(async () => {
      const response = await postGraphQL(gateway.url, INCIDENT_BOARD, undefined, token);
      expect(response.status).toBe(200);
      return response.body.errors === undefined ? response : undefined;
    }, BREAKER_COOLDOWN_MS + 3000);
    expect(performance.now() - backAt).toBeLessThan(BREAKER_COOLDOWN_MS + 3000);
    expect(healed.body).toEqual(whole.body);

    const readyAgain = (await (await fetch(`${gateway.origin}/readyz`)).json()) as { checks: Record<string, string> };
    expect(readyAgain.checks.assets).toBe('ok');
  });
});

describe('a subgraph that never answers', () => {
  it('costs the client no more than the subgraph timeout: the answer names the subgraph and carries the others data', async () => {
    const hanging = await hangingServer();
    const gateway = await graph.startGateway({ ASSETS_URL: hanging.url, SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS) });

    const startedAt = performance.now();
    const response = await postGraphQL(gateway.url, INCIDENT_BOARD, undefined, token);
    const elapsedMs = performance.now() - startedAt;

    expect(hanging.received()).toBeGreaterThan(0);
    expect(elapsedMs).toBeGreaterThanOrEqual(SUBGRAPH_TIMEOUT_MS);
    expect(elapsedMs).toBeLessThan(SUBGRAPH_TIMEOUT_MS + 1500);
    expect(response.status).toBe(200);
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: `Subgraph "assets" did not answer within the ${SUBGRAPH_TIMEOUT_MS} ms timeout`,
        extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'assets' },
      }),
    ]);
    const nodes = boardNodes(response);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.some((node) => node.assignee?.name)).toBe(true);
    expect(nodes.some((node) => node.affectedAssets.length > 0)).toBe(true);
    for (const node of nodes) for (const affected of node.affectedAssets) expect(affected.asset).toBeNull();
  });
});

describe('PostgreSQL is unreachable for the identity subgraph', () => {
  it('answers identity fields with DATABASE_UNAVAILABLE through the gateway and serves assets and incidents', async () => {
    const identity = await createIdentityService({
      principalSecret: graph.gatewayConfig().principalSecret,
      logger: createLogger('identity', 'silent'),
      demoDataScale: 0,
      storeUrl: 'postgres://palisade@127.0.0.1:1/palisade',
    });
    cleanups.push(() => identity.close());
    const { port } = await listen(identity.httpServer, 0, '127.0.0.1');
    const gateway = await graph.startGateway({ IDENTITY_URL: `http://127.0.0.1:${port}/graphql` });
    const whole = await graph.request(INCIDENT_BOARD);
    expect(whole.body.errors).toBeUndefined();

    const response = await postGraphQL(gateway.url, INCIDENT_BOARD, undefined, token);
    expect(response.status).toBe(200);
    const nodes = boardNodes(response);
    const wholeNodes = boardNodes(whole);
    // Incidents are served in full; users are not.
    expect(nodes.map((node) => node.uid)).toEqual(wholeNodes.map((node) => node.uid));
    expect(wholeNodes.some((node) => node.assignee !== null)).toBe(true);
    for (const node of nodes) expect(node.assignee).toBeNull();
    // Assets are served, without their owners (identity).
    for (const [index, node] of nodes.entries()) {
      expect(node.affectedAssets).toEqual(
        wholeNodes[index].affectedAssets.map(({ role, asset }) => ({ role, asset: asset && { ...asset, owner: null } })),
      );
    }
    expect(nodes.some((node) => node.affectedAssets.some((affected) => affected.asset?.name))).toBe(true);

    expect(response.body.errors!.length).toBeGreaterThan(0);
    expect(serviceNames(response.body.errors)).toEqual(new Set(['identity']));
    for (const error of response.body.errors!) {
      expect(error.message).toBe('The identity database is unavailable; try again later');
      expect(error.extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE', serviceName: 'identity' });
    }
  });
});
