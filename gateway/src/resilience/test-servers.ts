import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { parse } from 'graphql';
import { close, listen } from '../../../lib/http-server';
import type { SubgraphResponse } from '../pipeline/plugin';
import { OperationRequest } from '../pipeline/request';
import type { SubgraphClient } from '../pipeline/subgraph-client';
import { gatewayRequest, principal } from '../pipeline/test-fixtures';

/** What a subgraph stand-in does with its n-th GraphQL request (n counts from 1). */
export type Handler = (request: IncomingMessage, response: ServerResponse, n: number, body: string) => void;

/** How a stand-in answers GET /healthz, which the gateway asks when a call to it timed out. */
export type HealthHandler = (response: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 that counts the connections and requests it receives. */
export interface CountingServer {
  url: string;
  /** Requests to its GraphQL endpoint (not to /healthz). */
  readonly requests: number;
  /** Requests to /healthz. */
  readonly healthChecks: number;
  /** Connections accepted since the start. */
  readonly connections: number;
  readonly bodies: string[];
  /** Resolves once every accepted connection is closed. */
  allConnectionsClosed(): Promise<void>;
  close(): Promise<void>;
}

/** Answers /healthz like a subgraph that is well. */
export const healthy: HealthHandler = (response) => sendJson(response, 200, { status: 'ok' });

export async function startCountingServer(handler: Handler, health: HealthHandler = healthy): Promise<CountingServer> {
  const bodies: string[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  let healthChecks = 0;
  let closedAll: (() => void) | undefined;
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      healthChecks++;
      request.resume();
      health(response);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      handler(request, response, bodies.length, body);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      if (open.size === 0) closedAll?.();
    });
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get requests() {
      return bodies.length;
    },
    get healthChecks() {
      return healthChecks;
    },
    get connections() {
      return connections;
    },
    bodies,
    allConnectionsClosed: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (closedAll = resolve))),
    close: async () => {
      // Hanging test handlers never answer; their sockets would keep close() waiting.
      server.closeAllConnections();
      await close(server);
    },
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Answers every request with a small GraphQL result. */
export const answerOk: Handler = (_request, response) => sendJson(response, 200, { data: { ok: true } });

/** A port on 127.0.0.1 that refuses connections: one that was just free and is closed again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, 0, '127.0.0.1');
  await close(server);
  return port;
}

/** Polls until `check` holds, for at most `timeoutMs`: waits for something asynchronous without a fixed sleep. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Sends one fetch of a query plan through a SubgraphClient, as `@apollo/gateway` does. `document` is the
 * plan's own document for the fetch, from which the client takes the operation kind (and so whether the fetch
 * may be retried); by default it is the query itself, and null sends none, as a plan without documents would.
 */
export function sendFetch(
  client: SubgraphClient,
  query: string,
  options: { document?: string | null; variables?: Record<string, unknown>; operationName?: string; operation?: OperationRequest } = {},
): Promise<SubgraphResponse> {
  const document = options.document === null ? undefined : parse(options.document ?? query);
  const operation = options.operation ?? new OperationRequest(gatewayRequest(principal()), { query });
  return client.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, variables: options.variables ?? {}, operationName: options.operationName },
    incomingRequestContext: {} as never,
    context: operation as never,
    document,
  });
}
