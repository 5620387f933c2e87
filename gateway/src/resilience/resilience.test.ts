import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../../lib/errors';
import {
  createSubgraphFetcher,
  SubgraphRequestError,
  type SubgraphFetchEvent,
  type SubgraphFetcher,
  type SubgraphFetcherOptions,
} from '../src/resilience';
import { answerOk, closedPort, postInit, sendJson, startCountingServer, type CountingServer, type Handler } from './resilience-servers';

const QUERY = 'query Incidents__incidents__0 { incidents(first: 1) { totalCount } }';
const MUTATION = 'mutation UpdateIncident__incidents__0 { updateIncident(uid: "i-1", status: RESOLVED) { uid } }';

const fetchers: SubgraphFetcher[] = [];
const servers: CountingServer[] = [];

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((fetcher) => fetcher.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<CountingServer> {
  const server = await startCountingServer(handler);
  servers.push(server);
  return server;
}

/** A fetcher for "incidents" with short backoffs, recording its events. */
function fetcherFor(options: Partial<SubgraphFetcherOptions> = {}): { fetcher: SubgraphFetcher; events: SubgraphFetchEvent[] } {
  const events: SubgraphFetchEvent[] = [];
  const fetcher = createSubgraphFetcher({ subgraph: 'incidents', backoffBaseMs: 1, backoffCapMs: 5, onFetch: (event) => events.push(event), ...options });
  fetchers.push(fetcher);
  return { fetcher, events };
}

/** Fails its first `failures` requests with `status`, then answers. */
function failingFirst(failures: number, status: number): Handler {
  return (request, response, n) => (n <= failures ? sendJson(response, status, { errors: [{ message: 'unavailable' }] }) : answerOk(request, response, n, ''));
}

async function rejection(promise: Promise<unknown>): Promise<SubgraphRequestError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof SubgraphRequestError)) throw new Error(`expected a SubgraphRequestError, got ${String(error)}`);
  return error;
}

describe('connection pool', () => {
  it('sends sequential requests over one keep-alive connection', async () => {
    const server = await serve(answerOk);
    const { fetcher } = fetcherFor();
    for (let i = 0; i < 5; i++) {
      const response = await fetcher(server.url, postInit(QUERY));
      expect(await response.json()).toEqual({ data: { ok: true } });
      // undici hands a connection back to the pool one event-loop turn after its response ended (in case the
      // server closes it despite keep-alive); a request sent in the same turn opens a second connection.
      await new Promise(setImmediate);
    }
    expect(server.requests).toBe(5);
    expect(server.connections).toBe(1);
  });

  it('opens no more connections than configured; further calls wait for one', async () => {
    // Answers requests in pairs, so two connections are busy at once and the others must queue.
    const waiting: ServerResponse[] = [];
    const server = await serve((_request, response) => {
      waiting.push(response);
      if (waiting.length === 2) for (const held of waiting.splice(0)) sendJson(held, 200, { data: { ok: true } });
    });
    const { fetcher } = fetcherFor({ connections: 2 });
    const responses = await Promise.all(Array.from({ length: 6 }, () => fetcher(server.url, postInit(QUERY))));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(server.requests).toBe(6);
    expect(server.connections).toBe(2);
  });

  it('closes its connections on close(), and close() can be called twice', async () => {
    const server = await serve(answerOk);
    const { fetcher } = fetcherFor();
    await fetcher(server.url, postInit(QUERY));
    await Promise.all([fetcher.close(), fetcher.close()]);
    await server.allConnectionsClosed();
    expect(server.connections).toBe(1);
  });

  it('hands back the status, headers and body of the answer', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/graphql-response+json', 'cache-control': 'max-age=30' });
      response.end('{"data":{"n":1}}');
    });
    const { fetcher } = fetcherFor();
    const response = await fetcher(server.url, postInit(QUERY));
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/graphql-response+json');
    expect(response.headers.get('cache-control')).toBe('max-age=30');
    expect(await response.json()).toEqual({ data: { n: 1 } });
    expect(JSON.parse(server.bodies[0])).toEqual({ query: QUERY, variables: {} });
  });
});

describe('timeout', () => {
  const TIMEOUT_MS = 300;
  const MARGIN_MS = 700;

  it('fails a call to a subgraph that never answers after the timeout, naming the subgraph and the timeout', async () => {
    const server = await serve(() => undefined);
    const { fetcher, events } = fetcherFor({ timeoutMs: TIMEOUT_MS });
    const started = performance.now();
    const error = await rejection(fetcher(server.url, postInit(QUERY)));
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(error.message).toBe('Subgraph "incidents" did not answer within the 300 ms timeout');
    expect(error.failure).toBe('timeout');
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'incidents' });
    expect(server.requests).toBe(1);
    expect(events).toEqual([expect.objectContaining({ subgraph: 'incidents', outcome: 'timeout', attempt: 1 })]);
  });

  it('counts the body within the timeout: a subgraph that stalls mid-body times out', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
      response.write('{"data":');
    });
    const { fetcher } = fetcherFor({ timeoutMs: TIMEOUT_MS });
    const started = performance.now();
    const error = await rejection(fetcher(server.url, postInit(QUERY)));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(error.failure).toBe('timeout');
  });

  it('starts no retry that cannot finish within the timeout', async () => {
    const server = await serve(failingFirst(Infinity, 503));
    // The first backoff (up to 10 s, drawn near its top) does not fit in 300 ms: the 503 comes back at once.
    const { fetcher, events } = fetcherFor({ timeoutMs: TIMEOUT_MS, backoffBaseMs: 10_000, backoffCapMs: 10_000, random: () => 0.99 });
    const started = performance.now();
    const response = await fetcher(server.url, postInit(QUERY));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(response.status).toBe(503);
    expect(server.requests).toBe(1);
    expect(events.map((event) => event.attempt)).toEqual([1]);
  });
});

describe('retries', () => {
  it('retries a query after two 503s and returns the answer of the third attempt', async () => {
    const server = await serve(failingFirst(2, 503));
    const { fetcher, events } = fetcherFor();
    const response = await fetcher(server.url, postInit(QUERY));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ok: true } });
    expect(server.requests).toBe(3);
    expect(events.map(({ attempt, outcome, status }) => ({ attempt, outcome, status }))).toEqual([
      { attempt: 1, outcome: 'http_error', status: 503 },
      { attempt: 2, outcome: 'http_error', status: 503 },
      { attempt: 3, outcome: 'ok', status: 200 },
    ]);
    expect(fetcher.state()).toBe('closed');
  });

  it.each([502, 504])('retries a query after HTTP %i', async (status) => {
    const server = await serve(failingFirst(1, status));
    const { fetcher } = fetcherFor();
    expect((await fetcher(server.url, postInit(QUERY))).status).toBe(200);
    expect(server.requests).toBe(2);
  });

  it('never retries a mutation: one attempt, and the 503 is handed back', async () => {
    const server = await serve(failingFirst(2, 503));
    const { fetcher, events } = fetcherFor();
    const response = await fetcher(server.url, postInit(MUTATION));
    expect(response.status).toBe(503);
    expect(server.requests).toBe(1);
    expect(events).toHaveLength(1);
  });

  it.each([400, 401, 404, 500])('does not retry HTTP %i', async (status) => {
    const server = await serve(failingFirst(1, status));
    const { fetcher } = fetcherFor();
    const response = await fetcher(server.url, postInit(QUERY));
    expect(response.status).toBe(status);
    expect(server.requests).toBe(1);
  });

  it('does not retry a GraphQL error in a 200', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { data: null, errors: [{ message: 'boom' }] }));
    const { fetcher } = fetcherFor();
    const response = await fetcher(server.url, postInit(QUERY));
    expect(await response.json()).toEqual({ data: null, errors: [{ message: 'boom' }] });
    expect(server.requests).toBe(1);
  });

  it('retries a refused connection, then fails with an error naming the subgraph and the cause', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const { fetcher, events } = fetcherFor();
    const error = await rejection(fetcher(url, postInit(QUERY)));
    expect(error.message).toBe('Request to subgraph "incidents" failed (ECONNREFUSED) after 3 attempts');
    expect(error.message).not.toContain('127.0.0.1');
    expect(error.failure).toBe('unreachable');
    expect(error.attempts).toBe(3);
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'incidents' });
    expect(events.map(({ attempt, outcome }) => ({ attempt, outcome }))).toEqual([
      { attempt: 1, outcome: 'network_error' },
      { attempt: 2, outcome: 'network_error' },
      { attempt: 3, outcome: 'network_error' },
    ]);
  });

  it('does not retry a mutation whose connection was refused', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const { fetcher } = fetcherFor();
    const error = await rejection(fetcher(url, postInit(MUTATION)));
    expect(error.message).toBe('Request to subgraph "incidents" failed (ECONNREFUSED) after 1 attempt');
  });

  it('retries a query whose connection the subgraph dropped without answering (socket hang up)', async () => {
    const server = await serve((request, response, n) => (n === 1 ? request.socket.destroy() : answerOk(request, response, n, '')));
    const { fetcher, events } = fetcherFor();
    const response = await fetcher(server.url, postInit(QUERY));
    expect(response.status).toBe(200);
    expect(server.requests).toBe(2);
    expect(events.map((event) => event.outcome)).toEqual(['network_error', 'ok']);
  });

  it('makes one attempt when retries are off', async () => {
    const server = await serve(failingFirst(1, 503));
    const { fetcher } = fetcherFor({ retries: 0 });
    expect((await fetcher(server.url, postInit(QUERY))).status).toBe(503);
    expect(server.requests).toBe(1);
  });

  it('gives up a call whose caller aborted it, with the caller\'s reason, and counts nothing against the subgraph', async () => {
    const server = await serve(() => undefined);
    const { fetcher } = fetcherFor({ breakerFailureThreshold: 1 });
    const controller = new AbortController();
    const call = fetcher(server.url, { ...postInit(QUERY), signal: controller.signal });
    const reason = new Error('client went away');
    setImmediate(() => controller.abort(reason));
    await expect(call).rejects.toBe(reason);
    expect(fetcher.state()).toBe('closed');
  });
});
