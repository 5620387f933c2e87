import { ErrorCode } from '../../../lib/errors';
import { fetchChain } from '../pipeline/pipeline';
import type { GatewayPlugin } from '../pipeline/plugin';
import { SubgraphClient } from '../pipeline/subgraph-client';
import { SubgraphRequestError } from '../pipeline/subgraph-errors';
import { silentLogger } from '../pipeline/test-fixtures';
import { RESILIENCE_DEFAULTS } from './config';
import { useResilience, type ResilienceOptions, type SubgraphAttempt } from '.';
import { answerOk, closedPort, sendFetch, sendJson, startCountingServer, type CountingServer, type Handler } from './test-servers';

const QUERY = 'query Incidents__incidents__0 { incidents(first: 1) { totalCount } }';
const MUTATION = 'mutation UpdateIncident__incidents__0 { updateIncident(uid: "i-1", status: RESOLVED) { uid } }';

const clients: SubgraphClient[] = [];
const servers: CountingServer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<CountingServer> {
  const server = await startCountingServer(handler);
  servers.push(server);
  return server;
}

/**
 * A SubgraphClient for "incidents" whose calls go through useResilience (short backoffs, attempts recorded),
 * after the given behaviours' fetch hooks: what the gateway does for every fetch of a query plan.
 */
function resilientClient(url: string, options: Partial<ResilienceOptions> = {}, before: GatewayPlugin[] = []) {
  const attempts: SubgraphAttempt[] = [];
  const resilience = useResilience({ ...RESILIENCE_DEFAULTS, backoffBaseMs: 1, backoffCapMs: 5, onAttempt: (attempt) => attempts.push(attempt), ...options });
  const client = new SubgraphClient({ subgraph: 'incidents', url, chain: fetchChain([...before, resilience]), logger: silentLogger });
  clients.push(client);
  return { client, resilience, attempts };
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

describe('timeout', () => {
  const TIMEOUT_MS = 300;
  const MARGIN_MS = 700;

  it('fails a call to a subgraph that never answers after the timeout, naming the subgraph and the timeout', async () => {
    const server = await serve(() => undefined);
    const { client, attempts } = resilientClient(server.url, { timeoutMs: TIMEOUT_MS });
    const started = performance.now();
    const error = await rejection(sendFetch(client, QUERY));
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(error.message).toBe('Subgraph "incidents" did not answer within the 300 ms timeout');
    expect(error.failure).toBe('timeout');
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'incidents' });
    expect(server.requests).toBe(1);
    expect(attempts).toEqual([expect.objectContaining({ subgraph: 'incidents', outcome: 'timeout', attempt: 1 })]);
  });

  it('counts the body within the timeout: a subgraph that stalls mid-body times out', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
      response.write('{"data":');
    });
    const { client } = resilientClient(server.url, { timeoutMs: TIMEOUT_MS });
    const started = performance.now();
    const error = await rejection(sendFetch(client, QUERY));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(error.failure).toBe('timeout');
  });

  it('starts no retry that cannot finish within the timeout', async () => {
    const server = await serve(failingFirst(Infinity, 503));
    // The first backoff (up to 10 s, drawn near its top) does not fit in 300 ms: the 503 comes back at once.
    const { client, attempts } = resilientClient(server.url, { timeoutMs: TIMEOUT_MS, backoffBaseMs: 10_000, backoffCapMs: 10_000, random: () => 0.99 });
    const started = performance.now();
    const error = await rejection(sendFetch(client, QUERY));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(error).toMatchObject({ failure: 'http_error', status: 503 });
    expect(server.requests).toBe(1);
    expect(attempts.map((attempt) => attempt.attempt)).toEqual([1]);
  });
});

describe('retries', () => {
  it('retries a query after two 503s and returns the answer of the third attempt', async () => {
    const server = await serve(failingFirst(2, 503));
    const { client, resilience, attempts } = resilientClient(server.url);
    expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
    expect(server.requests).toBe(3);
    expect(attempts.map(({ attempt, outcome }) => ({ attempt, outcome }))).toEqual([
      { attempt: 1, outcome: 'http_error' },
      { attempt: 2, outcome: 'http_error' },
      { attempt: 3, outcome: 'ok' },
    ]);
    expect(resilience.breakerState('incidents')).toBe('closed');
  });

  it.each([502, 504])('retries a query after HTTP %i', async (status) => {
    const server = await serve(failingFirst(1, status));
    const { client } = resilientClient(server.url);
    expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
    expect(server.requests).toBe(2);
  });

  it('never retries a mutation: one attempt, and the 503 is handed back as the error', async () => {
    const server = await serve(failingFirst(2, 503));
    const { client, attempts } = resilientClient(server.url);
    const error = await rejection(sendFetch(client, MUTATION));
    expect(error).toMatchObject({ failure: 'http_error', status: 503, message: 'Subgraph "incidents" answered HTTP 503' });
    expect(server.requests).toBe(1);
    expect(attempts).toHaveLength(1);
  });

  it('decides by the kind the query plan gives the fetch, never by its text', async () => {
    // The text says query, the plan says mutation: it is sent once.
    const mutation = await serve(failingFirst(1, 503));
    await rejection(sendFetch(resilientClient(mutation.url).client, QUERY, { document: MUTATION }));
    expect(mutation.requests).toBe(1);
    // A query whose text starts with a comment, a fragment and a field named mutation: retried, by its kind.
    const text = '# planned\nfragment F on Incident { uid } query { mutation incidents { ...F } }';
    const query = await serve(failingFirst(1, 503));
    expect(await sendFetch(resilientClient(query.url).client, text)).toEqual({ data: { ok: true } });
    expect(query.requests).toBe(2);
  });

  it('never retries a fetch of unknown kind (no document from the plan)', async () => {
    const server = await serve(failingFirst(1, 503));
    await rejection(sendFetch(resilientClient(server.url).client, QUERY, { document: null }));
    expect(server.requests).toBe(1);
  });

  it.each([400, 401, 404, 500])('does not retry HTTP %i', async (status) => {
    const server = await serve(failingFirst(1, status));
    const { client } = resilientClient(server.url);
    expect(await rejection(sendFetch(client, QUERY))).toMatchObject({ failure: 'http_error', status });
    expect(server.requests).toBe(1);
  });

  it('does not retry a GraphQL error in a 200', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { data: null, errors: [{ message: 'boom' }] }));
    const { client } = resilientClient(server.url);
    expect(await sendFetch(client, QUERY)).toEqual({ data: null, errors: [{ message: 'boom' }] });
    expect(server.requests).toBe(1);
  });

  it('does not retry a 200 whose body is not a GraphQL response', async () => {
    const server = await serve((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>ok</html>'));
    const { client, attempts } = resilientClient(server.url);
    expect((await rejection(sendFetch(client, QUERY))).failure).toBe('bad_response');
    expect(server.requests).toBe(1);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['bad_response']);
  });

  it('retries a refused connection, then fails with an error naming the subgraph and the cause', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const { client, attempts } = resilientClient(url);
    const error = await rejection(sendFetch(client, QUERY));
    expect(error.message).toBe('Request to subgraph "incidents" failed (ECONNREFUSED) after 3 attempts');
    expect(error.message).not.toContain('127.0.0.1');
    expect(error.failure).toBe('unreachable');
    expect(error.attempts).toBe(3);
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'incidents' });
    expect(attempts.map(({ attempt, outcome }) => ({ attempt, outcome }))).toEqual([
      { attempt: 1, outcome: 'network_error' },
      { attempt: 2, outcome: 'network_error' },
      { attempt: 3, outcome: 'network_error' },
    ]);
  });

  it('does not retry a mutation whose connection was refused', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const { client } = resilientClient(url);
    const error = await rejection(sendFetch(client, MUTATION));
    expect(error.message).toBe('Request to subgraph "incidents" failed (ECONNREFUSED) after 1 attempt');
  });

  it('retries a query whose connection the subgraph dropped without answering (socket hang up)', async () => {
    const server = await serve((request, response, n) => (n === 1 ? request.socket.destroy() : answerOk(request, response, n, '')));
    const { client, attempts } = resilientClient(server.url);
    expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
    expect(server.requests).toBe(2);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['network_error', 'ok']);
  });

  it('makes one attempt when retries are off', async () => {
    const server = await serve(failingFirst(1, 503));
    const { client } = resilientClient(server.url, { retries: 0 });
    expect((await rejection(sendFetch(client, QUERY))).status).toBe(503);
    expect(server.requests).toBe(1);
  });

  it("gives up a call whose caller aborted it, with the caller's reason, and counts nothing against the subgraph", async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    // The caller goes away once the subgraph has the request.
    const server = await serve(() => controller.abort(reason));
    // The caller's signal, as a behaviour before resilience hands it on (the client went away).
    const caller: GatewayPlugin = {
      name: 'caller',
      fetch(fetch, next) {
        fetch.signal = controller.signal;
        return next(fetch);
      },
    };
    const { client, resilience } = resilientClient(server.url, { breakerFailureThreshold: 1 }, [caller]);
    await expect(sendFetch(client, QUERY)).rejects.toBe(reason);
    expect(resilience.breakerState('incidents')).toBe('closed');
    expect(server.requests).toBe(1);
  });
});
