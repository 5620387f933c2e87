import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from './logger';

/** What /readyz reports: ready when every check passed; each check names its state. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the per-request context; loaders are created here, so they are never shared across requests. */
  context: (request: IncomingMessage, requestId: string) => Promise<TContext>;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  /** Requests with a larger body are refused with 413 before they are parsed. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

/**
 * A minimal HTTP front for Apollo Server on node:http: /graphql, /healthz and /readyz. It reads the body
 * with a size limit, answers malformed JSON with a GraphQL-shaped 400 (never a stack trace), and leaves
 * everything else about GraphQL over HTTP to Apollo Server.
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(options: GraphQLHttpOptions<TContext>): Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.logger.error({ err: error }, 'unhandled error while serving a request');
      if (!response.headersSent) sendJson(response, 500, graphQLErrorBody('Internal server error', 'INTERNAL_SERVER_ERROR'));
      else response.destroy();
    });
  });
  // Keep-alive longer than typical load balancer idle timeouts, so a pooled connection is not cut mid-request.
  server.keepAliveTimeout = 65_000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const readiness = await options.readiness();
      return sendJson(response, readiness.ready ? 200 : 503, readiness);
    }
    if (url.pathname !== '/graphql') return sendJson(response, 404, { error: 'not found; GraphQL is served at /graphql' });

    const requestId = headerValue(request, 'x-request-id') ?? randomUUID();
    response.setHeader('x-request-id', requestId);
    const body = await readBody(request, maxBodyBytes);
    if (body === 'too large') {
      request.resume();
      return sendJson(response, 413, graphQLErrorBody(`Request body exceeds ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
    }
    let parsedBody: unknown = undefined;
    const contentType = headerValue(request, 'content-type') ?? '';
    if (body.length > 0 && contentType.startsWith('application/json')) {
      try {
        parsedBody = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(response, 400, graphQLErrorBody('The request body is not valid JSON', 'BAD_REQUEST'));
      }
    } else if (body.length > 0) {
      parsedBody = body.toString('utf8');
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (request.method ?? 'GET').toUpperCase(), headers, search: url.search, body: parsedBody },
      context: () => options.context(request, requestId),
    });
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  return server;
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Stops accepting connections, lets in-flight requests finish, and closes idle keep-alive sockets. */
export async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve('too large');
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        resolve('too large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function graphQLErrorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
