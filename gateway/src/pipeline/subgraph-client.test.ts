import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { OperationTypeNode } from 'graphql';
import { ErrorCode } from '../../../lib/errors';
import { answerOk, closedPort, eventually, sendFetch, sendJson, startCountingServer, type CountingServer, type Handler } from '../resilience/test-servers';
import type { SubgraphFetch } from './plugin';
import { SubgraphClient, type FetchChain } from './subgraph-client';
import { SubgraphRequestError } from './subgraph-errors';
import { recordingLogger, silentLogger } from './test-fixtures';

const QUERY = 'query Incidents__incidents__0 { incidents(first: 1) { totalCount } }';
const MUTATION = 'mutation UpdateIncident__incidents__0 { updateIncident(uid: "i-1", status: RESOLVED) { uid } }';
/** Connections a client keeps to one subgraph (subgraph-client.ts). */
const POOL_CONNECTIONS = 32;

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

/** A client for "incidents" at `url`; `chain` runs around each call (the behaviours' fetch hooks). */
function clientFor(url: string, options: { chain?: FetchChain; logger?: typeof silentLogger } = {}): SubgraphClient {
  const client = new SubgraphClient({ subgraph: 'incidents', url, chain: options.chain ?? ((fetch, send) => send(fetch)), logger: options.logger ?? silentLogger });
  clients.push(client);
  return client;
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
    const client = clientFor(server.url);
    for (let i = 0; i < 5; i++) {
      expect(await sendFetch(client, QUERY)).toEqual({ data: { ok: true } });
      // undici hands a connection back to the pool one event-loop turn after its response ended (in case the
      // server closes it despite keep-alive); a request sent in the same turn opens a second connection.
      await new Promise(setImmediate);
    }
    expect(server.requests).toBe(5);
    expect(server.connections).toBe(1);
  });

  it('opens no more connections than its pool holds; further calls wait for one', async () => {
    // Holds every request until the test releases them, so that as many connections as the pool allows are busy at once.
    const held: ServerResponse[] = [];
    let released = false;
    const server = await serve((_request, response) => (released ? answerOk(_request, response, 0, '') : held.push(response)));
    const client = clientFor(server.url);
    const calls = Array.from({ length: POOL_CONNECTIONS + 8 }, () => sendFetch(client, QUERY));
    await eventually(() => server.requests === POOL_CONNECTIONS);
    released = true;
    for (const response of held.splice(0)) sendJson(response, 200, { data: { ok: true } });
    const responses = await Promise.all(calls);
    expect(responses).toHaveLength(POOL_CONNECTIONS + 8);
    expect(server.requests).toBe(POOL_CONNECTIONS + 8);
    expect(server.connections).toBe(POOL_CONNECTIONS);
  });

  it('closes its connections on close(), and close() can be called twice', async () => {
    const server = await serve(answerOk);
    const client = clientFor(server.url);
    await sendFetch(client, QUERY);
    await Promise.all([client.close(), client.close()]);
    await server.allConnectionsClosed();
    expect(server.connections).toBe(1);
  });
});

describe('a call', () => {
  it("POSTs the fetch as JSON with the behaviours' headers, and hands back the subgraph's GraphQL response", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = await serve((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/graphql-response+json' });
      response.end('{"data":{"n":1},"errors":[{"message":"partial","path":["m"]}]}');
    });
    const client = clientFor(server.url, {
      chain: (fetch, send) => {
        fetch.headers['x-request-id'] = 'req-7';
        return send(fetch);
      },
    });
    const response = await sendFetch(client, QUERY, { variables: { first: 1 }, operationName: 'Incidents__incidents__0' });
    expect(response).toEqual({ data: { n: 1 }, errors: [{ message: 'partial', path: ['m'] }] });
    expect(JSON.parse(server.bodies[0])).toEqual({ query: QUERY, operationName: 'Incidents__incidents__0', variables: { first: 1 } });
    expect(seen[0]).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', 'x-request-id': 'req-7' });
  });

  it("gives the behaviours the fetch's kind from the plan's document, never from its text", async () => {
    const server = await serve(answerOk);
    const kinds: OperationTypeNode[] = [];
    const client = clientFor(server.url, {
      chain: (fetch: SubgraphFetch, send) => {
        kinds.push(fetch.operationKind);
        return send(fetch);
      },
    });
    await sendFetch(client, QUERY);
    await sendFetch(client, MUTATION);
    await sendFetch(client, QUERY, { document: MUTATION });
    // Without the plan's document, the kind is not known: it is taken for the unsafe kind.
    await sendFetch(client, QUERY, { document: null });
    expect(kinds).toEqual([OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.MUTATION, OperationTypeNode.MUTATION]);
  });

  it('answers an HTTP error status with DOWNSTREAM_SERVICE_ERROR naming the subgraph and the status', async () => {
    const server = await serve((_request, response) => sendJson(response, 500, { errors: [{ message: 'stack trace at db.js:12' }] }));
    const { logger, lines } = recordingLogger();
    const error = await rejection(sendFetch(clientFor(server.url, { logger }), QUERY));
    expect(error.message).toBe('Subgraph "incidents" answered HTTP 500');
    expect(error).toMatchObject({ subgraph: 'incidents', failure: 'http_error', status: 500 });
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'incidents' });
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'a subgraph answered with an HTTP error', subgraph: 'incidents', status: 500, requestId: 'req-1' })]);
  });

  it('says in the log that a 401 means the gateway and the subgraph do not share PRINCIPAL_SECRET', async () => {
    const server = await serve((_request, response) => sendJson(response, 401, { errors: [{ message: 'bad signature' }] }));
    const { logger, lines } = recordingLogger();
    expect((await rejection(sendFetch(clientFor(server.url, { logger }), QUERY))).status).toBe(401);
    expect(lines[0].msg).toBe('a subgraph refused the signed principal: do the gateway and the subgraph share PRINCIPAL_SECRET?');
  });

  it.each([
    ['HTML', 'text/html', '<html>502 Bad Gateway</html>'],
    ['JSON without data or errors', 'application/json', '{"message":"ok"}'],
    ['JSON that is not an object', 'application/json', '[1,2]'],
  ])('refuses a 200 whose body is %s: not a GraphQL response', async (_what, contentType, body) => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
    });
    const error = await rejection(sendFetch(clientFor(server.url), QUERY));
    expect(error.message).toBe('Subgraph "incidents" answered with a body that is not a GraphQL response');
    expect(error.failure).toBe('bad_response');
  });

  it('fails a call to an address that refuses connections, naming the cause and not the address', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const error = await rejection(sendFetch(clientFor(url), QUERY));
    expect(error.message).toBe('Request to subgraph "incidents" failed (ECONNREFUSED)');
    expect(error.failure).toBe('unreachable');
    expect(error.extensions).toEqual({ code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: 'incidents' });
  });

  it.each([GraphQLDataSourceRequestKind.LOADING_SCHEMA, GraphQLDataSourceRequestKind.HEALTH_CHECK])('never sends a "%s" request: the supergraph comes from a file', async (kind) => {
    const server = await serve(answerOk);
    const client = clientFor(server.url);
    await expect(client.process({ kind: kind as GraphQLDataSourceRequestKind.LOADING_SCHEMA, request: { query: '{ _service { sdl } }' }, context: {} })).rejects.toThrow(`the gateway does not send "${kind}" requests to subgraphs`);
    expect(server.requests).toBe(0);
  });
});
