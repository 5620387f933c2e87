import dns from 'node:dns';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import pino from 'pino';
import { ConfigError } from '../../lib/errors';
import { close, listen } from '../../lib/http-server';
import { PRINCIPAL_HEADER, verifyPrincipal } from '../../lib/principal';
import { ALL_READ_SCOPES, postGraphQL, startGraph, type Graph } from '../../test/support/graph';
import { createGateway, type Gateway } from './server';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

let graph: Graph;
const started: Gateway[] = [];

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: 0.02 });
});

afterEach(async () => {
  for (const gateway of started.splice(0)) await gateway.close();
});

afterAll(async () => {
  await graph?.close();
});

async function startGateway(env: Record<string, string> = {}): Promise<{ url: string; origin: string }> {
  const gateway = await createGateway(graph.gatewayConfig(env));
  started.push(gateway);
  const address = await listen(gateway.httpServer, 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${address.port}`;
  return { url: `${origin}/graphql`, origin };
}

/** A port that refuses connections: one that was just free and is closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, 0, '127.0.0.1');
  await close(server);
  return port;
}

/**
 * A plain HTTP proxy in front of a real subgraph that keeps the headers of every GraphQL request it forwards,
 * to see what the gateway sends. (The gateway's stream of change events, at /changes, passes through unrecorded.)
 */
async function recordingProxy(target: string): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const targetUrl = new URL(target);
  const server = createServer((incoming, outgoing) => {
    if (incoming.url === '/graphql') seen.push(incoming.headers);
    const forwarded = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}/graphql`, seen, close: () => close(server) };
}

describe('telemetry', () => {
  it('sets APOLLO_TELEMETRY_DISABLED before the gateway is built, and nothing connects anywhere but loopback', async () => {
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    // Spies call through; they only record where the process connects and which names it resolves.
    const connect = jest.spyOn(net.Socket.prototype, 'connect');
    const lookup = jest.spyOn(dns, 'lookup');
    try {
      const { url } = await startGateway();
      expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
      const { body } = await postGraphQL(url, '{ users(first: 3) { totalCount } }', undefined, await graph.token());
      expect(body.errors).toBeUndefined();

      const hosts = connect.mock.calls.map((args) => connectionHost(args as unknown[]));
      expect(hosts.length).toBeGreaterThan(0);
      expect(hosts.filter((host) => !LOOPBACK.has(host))).toEqual([]);
      expect(lookup.mock.calls.map(([hostname]) => hostname).filter((host) => !LOOPBACK.has(host))).toEqual([]);
    } finally {
      connect.mockRestore();
      lookup.mockRestore();
    }
  });
});

/** The host of a Socket#connect call, whichever of its forms was used; a Unix socket counts as loopback. */
function connectionHost(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'number') return typeof args[1] === 'string' ? args[1] : 'localhost';
  if (typeof first === 'string') return 'localhost';
  const options = first as { host?: string; path?: string };
  if (options.path) return 'localhost';
  return options.host ?? 'localhost';
}

describe('what the gateway sends to subgraphs', () => {
  it('signs the verified principal into each subgraph request and passes the request id on', async () => {
    const proxy = await recordingProxy(graph.subgraphUrls.identity);
    try {
      const { url } = await startGateway({ IDENTITY_URL: proxy.url });
      const token = await graph.token({ sub: 'usr-acme-00002', tenant: 'acme', kind: 'script', clientId: 'nightly-report' });
      const { body } = await postGraphQL(url, '{ users(first: 1) { totalCount } }', undefined, token, { 'x-request-id': 'req-from-client-1' });
      expect(body.errors).toBeUndefined();

      expect(proxy.seen).toHaveLength(1);
      const headers = proxy.seen[0];
      expect(headers['x-request-id']).toBe('req-from-client-1');
      expect(headers.authorization).toBeUndefined();
      const principal = verifyPrincipal(headers[PRINCIPAL_HEADER] as string, Buffer.from(graph.gatewayConfig().principalSecret));
      expect(principal).toEqual({ sub: 'usr-acme-00002', tenant: 'acme', kind: 'script', scopes: ALL_READ_SCOPES, clientId: 'nightly-report' });
    } finally {
      await proxy.close();
    }
  });
});

describe('when a subgraph cannot serve', () => {
  it('answers DOWNSTREAM_SERVICE_ERROR naming the subgraph, never its address, and /readyz says which one is down', async () => {
    const { url, origin } = await startGateway({ ASSETS_URL: `http://127.0.0.1:${await closedPort()}/graphql` });
    const { status, body } = await postGraphQL(url, '{ assets(first: 1) { totalCount } users(first: 1) { totalCount } }', undefined, await graph.token());
    expect(status).toBe(200);
    expect(body.data).toEqual({ assets: null, users: { totalCount: expect.any(Number) } });
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'assets' } })]);
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');

    const ready = await fetch(`${origin}/readyz`);
    // Still ready: the gateway answers with what the other subgraphs have, and says which one is down.
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { supergraph: 'ok', identity: 'ok', assets: 'unreachable', incidents: 'ok' } });
  });

  it('does not blame the client when a subgraph refuses the signature: the secrets differ', async () => {
    const { url } = await startGateway({ PRINCIPAL_SECRET: 'another-secret-that-is-at-least-32-characters-long' });
    const { status, body } = await postGraphQL(url, '{ users(first: 1) { totalCount } }', undefined, await graph.token());
    expect(status).toBe(200);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'identity' } })]);
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });
});

describe('when the identity provider cannot be reached', () => {
  it('answers 503 with Retry-After and SERVICE_UNAVAILABLE, not 401: the token may be fine', async () => {
    const { url } = await startGateway({ JWKS_URL: `http://127.0.0.1:${await closedPort()}/jwks.json` });
    const { status, headers, body } = await postGraphQL(url, '{ users(first: 1) { totalCount } }', undefined, await graph.token());
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe('5');
    expect(headers.get('www-authenticate')).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE' } })]);
  });
});

describe('starting', () => {
  it('calls a subgraph at its SUBGRAPH_<NAME>_URL, and warns about an override that names no subgraph (a typo)', async () => {
    const lines: Array<{ level: number; msg: string; variable?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const proxy = await recordingProxy(graph.subgraphUrls.identity);
    try {
      const gateway = await createGateway(graph.gatewayConfig({ IDENTITY_URL: '', SUBGRAPH_IDENTITY_URL: proxy.url, SUBGRAPH_IDENTTY_URL: 'http://127.0.0.1:1/graphql' }), logger);
      started.push(gateway);
      const { port } = await listen(gateway.httpServer, 0, '127.0.0.1');
      const { body } = await postGraphQL(`http://127.0.0.1:${port}/graphql`, '{ users(first: 1) { totalCount } }', undefined, await graph.token());
      expect(body.errors).toBeUndefined();
      expect(proxy.seen).toHaveLength(1);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'a subgraph URL override names no subgraph of the supergraph; check its spelling', variable: 'SUBGRAPH_IDENTTY_URL' }));
      expect(lines.filter((line) => line.variable !== undefined).map((line) => line.variable)).toEqual(['SUBGRAPH_IDENTTY_URL']);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a supergraph path that cannot be read, naming SUPERGRAPH_PATH', async () => {
    const attempt = createGateway(graph.gatewayConfig({ SUPERGRAPH_PATH: '/nonexistent/supergraph.graphql' }));
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toMatchObject({ variable: 'SUPERGRAPH_PATH' });
  });
});
