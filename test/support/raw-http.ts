import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import pino from 'pino';
import type { Logger } from '../../lib/logger';

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; the text when it is not JSON. */
  body: any;
  text: string;
}

export interface RawRequest {
  method?: 'GET' | 'POST';
  token?: string;
  /** POST: serialized as JSON unless it is already a string. */
  body?: unknown;
  /** GET: the query string parameters; objects are sent as JSON. */
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** One HTTP request to a GraphQL endpoint, exactly as given: for protocol tests that need every detail. */
export async function send(url: string, request: RawRequest): Promise<RawResponse> {
  const method = request.method ?? 'POST';
  const headers: Record<string, string> = {
    ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    ...request.headers,
  };
  const target = new URL(url);
  for (const [name, value] of Object.entries(request.params ?? {})) {
    if (value !== undefined) target.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const body = method === 'GET' ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const response = await fetch(target, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text is the body.
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export interface RawExchangeRequest {
  method: 'GET' | 'POST';
  token?: string;
  /** Query string parameters; objects are sent as JSON. */
  search?: Record<string, unknown>;
  /** A JSON body, sent whatever the method (fetch cannot send a GET with a body; attackers can). */
  body?: unknown;
  /** A body sent as it is, instead of `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface RawExchange {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** One request over node:http exactly as given, including forms no well-behaved client sends (a GET with a body). */
export function sendRaw(url: string, request: RawExchangeRequest): Promise<RawExchange> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(request.search ?? {})) {
    if (value !== undefined) target.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const headers: Record<string, string> = {
    ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    ...request.headers,
  };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(target, { method: request.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: the text is the body.
        }
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
        resolve({ status: response.statusCode ?? 0, headers: responseHeaders, body: parsed, text });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The `extensions` of an Apollo APQ request naming this hash. */
export function apq(sha256Hash: string) {
  return { persistedQuery: { version: 1, sha256Hash } };
}

/** A name no earlier run used, for documents and principals whose state outlives a run (APQ and rate limits in Redis). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A pino logger whose lines the test can read. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Polls until `check` holds, for at most `timeoutMs`: waits for a watcher without a fixed sleep. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Describes a Redis-backed block, or skips it with a line saying why when REDIS_URL is unset. */
export function describeWithRedis(name: string, body: (redisUrl: string) => void): void {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    console.log(`skipped "${name}": set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it`);
    describe.skip(name, () => body(''));
    return;
  }
  describe(name, () => body(redisUrl));
}
