import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { readBody as readBodyWithin, type Readiness } from '../../../lib/http-server';
import type { Logger } from '../../../lib/logger';
import { badRequest, httpFactsOf, refusal } from './errors';
import { paramsFromBody, paramsFromSearch, searchCarriesParams } from './graphql-params';
import type { GraphQLHttpAnswer, GraphQLHttpRequest } from './pipeline';
import type { HttpExchange } from './plugin';

export interface GatewayHttpOptions {
  /** Runs one GraphQL request: the pipeline. */
  graphql: (request: GraphQLHttpRequest) => Promise<GraphQLHttpAnswer>;
  /** Behaviours that may answer before /graphql is read (CORS preflights, the explorer) or add headers. */
  onHttp: ReadonlyArray<(exchange: HttpExchange) => boolean | Promise<boolean>>;
  /** Behaviours that take an upgrade of /graphql (WebSocket subscriptions). */
  onUpgrade: ReadonlyArray<(request: IncomingMessage, socket: Duplex, head: Buffer) => boolean>;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  /** A body larger than this is refused with 413 before it is parsed. */
  maxBodyBytes: number;
  /** Headers larger than this (a 20 KB token) are refused with 431 and a JSON error. */
  maxHeaderBytes: number;
}

export const GRAPHQL_RESPONSE_MEDIA_TYPE = 'application/graphql-response+json';
const JSON_MEDIA_TYPE = 'application/json';

/**
 * Headers of which at least one makes a GET "preflighted" by browsers (Apollo Server's CSRF prevention): a
 * page on another origin cannot send them without CORS allowing it, so a simple cross-site GET runs nothing.
 */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];
const SIMPLE_CONTENT_TYPES = ['text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded'];

/**
 * The gateway's HTTP front on node:http: /graphql, /healthz and /readyz. It reads a request once into one
 * value (the query string of a GET, the JSON body of a POST, never both) and hands that value to the
 * pipeline; nothing after it reads the HTTP request again. Every refusal is JSON with a code, never a stack.
 */
export function createGatewayHttpServer(options: GatewayHttpOptions): Server {
  const server = createServer({ maxHeaderSize: options.maxHeaderBytes }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.logger.error({ err: error }, 'unhandled error while serving a request');
      if (!response.headersSent) writeJson(response, 500, {}, errorBody('Internal server error', 'INTERNAL_SERVER_ERROR'), JSON_MEDIA_TYPE);
      else response.destroy();
    });
  });
  // Keep-alive longer than typical load balancer idle timeouts, so a pooled connection is not cut mid-request.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerMalformed(error, socket, options.maxHeaderBytes));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path === '/graphql' && options.onUpgrade.some((take) => take(request, socket, head))) return;
    const body = JSON.stringify(errorBody('Upgrade /graphql to a WebSocket with the graphql-transport-ws subprotocol', 'BAD_REQUEST'));
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const exchange: HttpExchange = { request, response, url, responseHeaders: new Map() };
    for (const onHttp of options.onHttp) if (await onHttp(exchange)) return;
    const headers = Object.fromEntries(exchange.responseHeaders);
    if (url.pathname === '/healthz') return writeJson(response, 200, headers, { status: 'ok' }, JSON_MEDIA_TYPE);
    if (url.pathname === '/readyz') {
      const readiness = await options.readiness();
      return writeJson(response, readiness.ready ? 200 : 503, headers, readiness, JSON_MEDIA_TYPE);
    }
    if (url.pathname !== '/graphql') return writeJson(response, 404, headers, errorBody('Not found; GraphQL is served at /graphql', 'NOT_FOUND'), JSON_MEDIA_TYPE);

    const requestId = safeRequestId(headerValue(request, 'x-request-id')) ?? randomUUID();
    headers['x-request-id'] = requestId;
    const mediaType = responseMediaType(headerValue(request, 'accept'));
    let graphQLRequest: GraphQLHttpRequest;
    try {
      graphQLRequest = { id: requestId, method: checkedMethod(request), headers: request.headers, params: await readParams(request, url, options.maxBodyBytes) };
    } catch (error) {
      request.resume();
      const http = httpFactsOf(error);
      if (!http) throw error;
      const { message, extensions } = error as GraphQLError;
      const { http: _http, ...rest } = extensions;
      return writeJson(response, http.status, { ...headers, ...http.headers }, { errors: [{ message, extensions: rest }] }, mediaType);
    }
    const answer = await options.graphql(graphQLRequest);
    // GraphQL over HTTP: with its own media type, a document that fails validation is 422, not 400.
    const status = answer.validationFailed && mediaType === GRAPHQL_RESPONSE_MEDIA_TYPE ? 422 : answer.status;
    writeJson(response, status, { ...headers, ...answer.headers }, answer.body, mediaType);
  }

  return server;
}

function checkedMethod(request: IncomingMessage): 'GET' | 'POST' {
  const method = (request.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'POST') return method;
  throw refusal(`GraphQL is served over GET and POST, not ${method}`, 'METHOD_NOT_ALLOWED', { status: 405, headers: { allow: 'GET, POST' } });
}

/** The request's one value: from the query string of a GET, from the JSON body of a POST. */
async function readParams(request: IncomingMessage, url: URL, maxBodyBytes: number) {
  if (request.method?.toUpperCase() === 'GET') {
    if (carriesBody(request)) {
      // A GET with a body once ran a query nobody had checked: the checks read the body, the executor the URL.
      throw badRequest('A GET request carries its operation in the query string and has no body; send a body with POST');
    }
    if (!isPreflighted(request)) {
      throw badRequest(
        `This GET was blocked as a potential cross-site request forgery: send it with a non-empty ${PREFLIGHT_HEADERS.join(' or ')} header, or a content-type other than ${SIMPLE_CONTENT_TYPES.join(', ')}`,
      );
    }
    return paramsFromSearch(url.searchParams);
  }
  const contentType = (headerValue(request, 'content-type') ?? '').toLowerCase();
  if (!contentType.startsWith('application/json')) {
    // A POST body is application/json; form posts are refused, which also keeps the simple requests that CSRF
    // relies on from ever reaching an operation.
    throw refusal(`Unsupported media type "${contentType || 'none'}"; send application/json`, 'UNSUPPORTED_MEDIA_TYPE', { status: 415 });
  }
  if (searchCarriesParams(url.searchParams)) {
    throw badRequest('A POST request carries its operation in its JSON body; remove the GraphQL parameters from the query string');
  }
  const body = await readBody(request, maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
  return paramsFromBody(parsed);
}

export function carriesBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isPreflighted(request: IncomingMessage): boolean {
  const contentType = headerValue(request, 'content-type');
  if (contentType && !SIMPLE_CONTENT_TYPES.some((simple) => contentType.toLowerCase().startsWith(simple))) return true;
  return PREFLIGHT_HEADERS.some((name) => (headerValue(request, name) ?? '') !== '');
}

/** GraphQL over HTTP's media type when the client accepts it, else application/json (the legacy one). */
function responseMediaType(accept: string | undefined): string {
  if (!accept) return JSON_MEDIA_TYPE;
  const accepted = accept.split(',').some((range) => {
    const [type, ...parameters] = range.trim().toLowerCase().split(';');
    return type.trim() === GRAPHQL_RESPONSE_MEDIA_TYPE && !parameters.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
  return accepted ? GRAPHQL_RESPONSE_MEDIA_TYPE : JSON_MEDIA_TYPE;
}

/** A request's body; PAYLOAD_TOO_LARGE (413) past `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const body = await readBodyWithin(request, limit);
  if (body === 'too large') throw refusal(`Request body exceeds ${limit} bytes`, 'PAYLOAD_TOO_LARGE', { status: 413 });
  return body;
}

/** Node refuses oversized or malformed requests before any handler runs; the client still gets JSON that says why. */
function answerMalformed(error: NodeJS.ErrnoException, socket: Duplex, maxHeaderBytes: number): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(
    tooLarge
      ? errorBody(`Request headers exceed ${maxHeaderBytes} bytes; send a smaller Authorization token or fewer headers`, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
      : errorBody('Malformed HTTP request', 'BAD_REQUEST'),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** A client's request id is echoed in logs and headers, so only a short, plain one is taken. */
export function safeRequestId(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

export function writeJson(response: ServerResponse, status: number, headers: Record<string, string>, body: unknown, mediaType: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
