/** Gateway and proxy errors: the request most likely never reached a subgraph that could act on it. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Failures to connect or of a connection that broke (including a pooled keep-alive connection that the
 * subgraph closed just as it was reused). UND_ERR_SOCKET is undici's "other side closed", Node's
 * "socket hang up".
 */
const RETRYABLE_CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export function isRetryableConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && RETRYABLE_CONNECTION_ERRORS.has(code);
}

/**
 * The system or undici code of a failed request. undici puts it on the error or on its cause; a connection
 * tried on several addresses fails with an AggregateError whose errors hold it.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (cause !== undefined) return errorCode(cause);
  if (Array.isArray(errors)) return errorCode(errors[0]);
  return undefined;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(cap, base * 2^retry)), where
 * retry counts from 0. Spreading the delay over the whole range keeps the gateway's replicas from retrying
 * a recovering subgraph in lockstep.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  return random() * Math.min(options.capMs, options.baseMs * 2 ** retry);
}

const QUERY_PREFIX = '{"query":"';
/** The document opens with `query` or with a selection set (the query shorthand), after ignored tokens. */
const OPENS_AS_QUERY = /^(?:[\s,\uFEFF]|#[^\n\r]*)*(?:query(?![_0-9A-Za-z])|\{)/;
const OTHER_OPERATION = /(?<![_0-9A-Za-z])(?:mutation|subscription)(?![_0-9A-Za-z])/;

/**
 * Whether a request body is certainly a query, which is safe to send twice. Mutations are never retried: a
 * mutation that failed on the way back may have been applied. RemoteGraphQLDataSource serialises
 * `{"query": ..., "variables": ...}` with the query first, so only that string is decoded, never the
 * variables (entity representations can be large). Anything else is "not sure" and is not retried: a body
 * without a query (APQ), a document with the word mutation or subscription anywhere, one opening otherwise.
 */
export function isQueryOperation(body: unknown): boolean {
  if (typeof body !== 'string' || !body.startsWith(QUERY_PREFIX)) return false;
  const end = closingQuote(body, QUERY_PREFIX.length);
  if (end < 0) return false;
  let query: unknown;
  try {
    query = JSON.parse(body.slice(QUERY_PREFIX.length - 1, end + 1));
  } catch {
    return false;
  }
  return typeof query === 'string' && isQueryDocument(query);
}

/** Whether a GraphQL document is certainly a query: it opens as one and names no other kind of operation. */
export function isQueryDocument(query: string): boolean {
  return OPENS_AS_QUERY.test(query) && !OTHER_OPERATION.test(query);
}

/** The index of the quote that ends the JSON string whose content starts at `from`, or -1. */
function closingQuote(text: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === 0x5c /* backslash */) index++;
    else if (char === 0x22 /* quote */) return index;
  }
  return -1;
}
