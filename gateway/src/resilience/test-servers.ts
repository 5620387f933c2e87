import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { close, listen } from '../../lib/http-server';

/** What a subgraph stand-in does with its n-th request (n counts from 1). */
export type Handler = (request: IncomingMessage, response: ServerResponse, n: number, body: string) => void;

/** A real HTTP server on 127.0.0.1 that counts the connections and requests it receives. */
export interface CountingServer {
  url: string;
  readonly requests: number;
  /** Connections accepted since the start. */
  readonly connections: number;
  readonly bodies: string[];
  /** Resolves once every accepted connection is closed. */
  allConnectionsClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingServer(handler: Handler): Promise<CountingServer> {
  const bodies: string[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  let closedAll: (() => void) | undefined;
  const server = createServer((request, response) => {
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

/** The body RemoteGraphQLDataSource sends: the query first, then the variables. */
export function graphQLBody(query: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, variables });
}

export function postInit(query: string) {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: graphQLBody(query) };
}
