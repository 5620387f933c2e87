import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ConfigError } from './errors';
import type { Logger } from './logger';

/** What /readyz reports: ready when every check passed; each check names its state. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** A handler of one more path beside /graphql, /healthz and /readyz (a subgraph's change stream, its /ingest/<class_uid>). */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the per-request context; loaders are created here, so they are never shared across requests. */
  context: (request: IncomingMessage, requestId: string) => Promise<TContext>;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  /** Requests with a larger body are refused with 413 before they are parsed. */
  maxBodyBytes?: number;
  /** More paths served beside /graphql, by path. */
  routes?: Readonly<Record<string, RouteHandler>>;
}

export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

/** The GraphQL-over-HTTP request parameters, as a GET carries them in its query string (Relay's doc_id too). */
const GRAPHQL_PARAMETERS = ['query', 'operationName', 'variables', 'extensions', 'documentId', 'doc_id'];

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
    const route = options.routes?.[url.pathname];
    if (route) return route(request, response);
    if (url.pathname !== '/graphql') return sendJson(response, 404, { error: 'not found; GraphQL is served at /graphql' });

    const requestId = safeRequestId(headerValue(request, 'x-request-id')) ?? randomUUID();
    response.setHeader('x-request-id', requestId);
    const method = (request.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      request.resume();
      response.setHeader('allow', 'GET, POST');
      return sendJson(response, 405, graphQLErrorBody(`GraphQL is served over GET and POST, not ${method}`, 'METHOD_NOT_ALLOWED'));
    }
    // One request, one value: a request carries its operation in one place, so that no check can read one copy
    // while the executor runs another.
    const parametersInUrl = GRAPHQL_PARAMETERS.filter((name) => url.searchParams.has(name));
    if (method === 'POST' && parametersInUrl.length > 0) {
      request.resume();
      const names = parametersInUrl.join(', ');
      return sendJson(response, 400, graphQLErrorBody(`A POST request carries its operation in its body; remove ${names} from the URL's query string`, 'BAD_REQUEST'));
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === 'too large') {
      request.resume();
      return sendJson(response, 413, graphQLErrorBody(`Request body exceeds ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
    }
    if (method === 'GET' && body.length > 0) {
      return sendJson(response, 400, graphQLErrorBody('A GET request carries its operation in the query string and has no body; send a POST to send a body', 'BAD_REQUEST'));
    }
    let parsedBody: unknown = undefined;
    const contentType = (headerValue(request, 'content-type') ?? '').toLowerCase();
    if (method === 'POST' && !contentType.startsWith('application/json')) {
      // GraphQL over HTTP: a POST body is application/json. Form posts are refused here, which also keeps
      // the simple requests that CSRF relies on from ever reaching an operation.
      return sendJson(response, 415, graphQLErrorBody(`Unsupported media type "${contentType || 'none'}"; send application/json`, 'UNSUPPORTED_MEDIA_TYPE'));
    }
    if (body.length > 0) {
      try {
        parsedBody = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(response, 400, graphQLErrorBody('The request body is not valid JSON', 'BAD_REQUEST'));
      }
    }

    const search = url.search;
    const context = () => options.context(request, requestId);

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body: parsedBody },
      context,
    });
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      if (response.statusCode === 400 && isValidationFailure(result.headers.get('content-type'), result.body.string)) {
        // GraphQL over HTTP: with application/graphql-response+json, a document that fails validation is 422.
        response.statusCode = 422;
      }
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  return server;
}

/**
 * The listener for Prometheus: GET /metrics and nothing else. A service serves it on its own port (METRICS_PORT),
 * which the public Service does not expose, so a scrape needs no token and the internet cannot reach it.
 */
export function createMetricsServer(metrics: () => Promise<{ contentType: string; body: string }>, logger: Logger): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics') return sendJson(response, 404, { error: 'not found; metrics are served at /metrics' });
    metrics().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType });
        response.end(body);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'could not collect the metrics');
        sendJson(response, 500, { error: 'the metrics could not be collected' });
      },
    );
  });
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

/** listen(), where a port already taken is a ConfigError naming the variable that moves it. */
export async function listenOn(server: Server, port: number, host: string, variable: string): Promise<AddressInfo> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ConfigError(variable, `port ${port} is already in use on ${host}; stop what listens there, or set ${variable} to another port`);
    throw error;
  }
}

/** How long a stopping server waits for requests in flight before it cuts their connections. */
export const SHUTDOWN_DEADLINE_MS = 20_000;

/** How often a stopping server closes the keep-alive connections whose last request has finished. */
const IDLE_SWEEP_MS = 50;

/**
 * Stops accepting connections, closes idle keep-alive sockets, and lets requests in flight finish: within
 * the deadline, after which their connections are cut so that a stuck request cannot hold a stop forever.
 */
export async function close(server: Server, deadlineMs = SHUTDOWN_DEADLINE_MS): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A connection whose request finishes after this stays open, idle, and would hold the stop until the
  // deadline: Node closes idle connections once, when close() is called, not as they turn idle later.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
  sweep.unref();
  deadline.unref();
  await closed;
  clearInterval(sweep);
  clearTimeout(deadline);
}

/** A client's request id is echoed in logs and headers, so only a short, plain one is taken. */
function safeRequestId(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}

function isValidationFailure(contentType: string | undefined, body: string): boolean {
  if (!contentType?.startsWith('application/graphql-response+json')) return false;
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    return parsed.data === undefined && (parsed.errors ?? []).some((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED');
  } catch {
    return false;
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A request's body, or 'too large' as soon as it declares or sends more than `limit` bytes (the rest is not kept). */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
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

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
