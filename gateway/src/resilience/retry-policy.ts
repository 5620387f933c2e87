import { errorCode } from '../pipeline/subgraph-errors';

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
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(cap, base * 2^retry)), where
 * retry counts from 0. Spreading the delay over the whole range keeps the gateway's replicas from retrying
 * a recovering subgraph in lockstep.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  return random() * Math.min(options.capMs, options.baseMs * 2 ** retry);
}
