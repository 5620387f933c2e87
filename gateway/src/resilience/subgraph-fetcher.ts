import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Headers, Response, type Dispatcher } from 'undici';
import { CircuitBreaker, type CircuitPermit, type CircuitState } from './circuit-breaker';
import { SubgraphRequestError } from './errors';
import { backoffDelayMs, errorCode, isQueryOperation, isRetryableConnectionError, isRetryableStatus } from './retry-policy';

export type SubgraphFetchOutcome = 'ok' | 'http_error' | 'network_error' | 'timeout' | 'circuit_open';

/** One attempt of a call to a subgraph (a refused call is one event with outcome circuit_open). */
export interface SubgraphFetchEvent {
  subgraph: string;
  durationMs: number;
  outcome: SubgraphFetchOutcome;
  /** The HTTP status, when the subgraph answered. */
  status?: number;
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  attempt: number;
}

export interface CircuitStateChange {
  subgraph: string;
  from: CircuitState;
  to: CircuitState;
}

export interface SubgraphFetcherOptions {
  /** The subgraph's name as the supergraph has it; errors and events carry it. */
  subgraph: string;
  /** Budget for a whole call: connecting, headers and body, and every retry with its backoff. Default 10 000. */
  timeoutMs?: number;
  /** Further attempts of a query after a connection error or HTTP 502/503/504; mutations get none. Default 2. */
  retries?: number;
  /** First backoff bound; each retry doubles it up to `backoffCapMs`. Default 50. */
  backoffBaseMs?: number;
  /** Default 1000. */
  backoffCapMs?: number;
  /** Consecutive failed calls (network error, timeout, HTTP 5xx) that open the circuit. Default 5. */
  breakerFailureThreshold?: number;
  /** How long an open circuit refuses calls before letting one probe through. Default 10 000. */
  breakerCooldownMs?: number;
  /** Most connections kept to this subgraph; further calls queue for one. Default 32. */
  connections?: number;
  /** Budget for opening a connection; a connect that times out is retried. Default 2000. */
  connectTimeoutMs?: number;
  /** How long an idle connection is kept when the subgraph does not say (Keep-Alive: timeout). Default 30 000. */
  keepAliveTimeoutMs?: number;
  /** Called after every attempt, for metrics. An error it throws fails the call. */
  onFetch?: (event: SubgraphFetchEvent) => void;
  /** The circuit breaker's clock in milliseconds; tests pass one they move. */
  now?: () => number;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
}

/** What RemoteGraphQLDataSource sends (@apollo/utils.fetcher's FetcherRequestInit). */
export interface SubgraphRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

/** A fetch for RemoteGraphQLDataSource's `fetcher` option, bound to one subgraph's connection pool and circuit. */
export interface SubgraphFetcher {
  (url: string, init?: SubgraphRequestInit): Promise<Response>;
  readonly subgraph: string;
  /** The circuit's state, for /readyz and metrics. */
  state(): CircuitState;
  /** Calls the listener on every change of the circuit's state; returns a function that unsubscribes it. */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void;
  /** Lets calls in flight finish and closes the pool's connections. Safe to call twice. */
  close(): Promise<void>;
}

export const SUBGRAPH_FETCH_DEFAULTS = {
  timeoutMs: 10_000,
  retries: 2,
  backoffBaseMs: 50,
  backoffCapMs: 1000,
  breakerFailureThreshold: 5,
  breakerCooldownMs: 10_000,
  connections: 32,
  connectTimeoutMs: 2000,
  keepAliveTimeoutMs: 30_000,
} as const;

/** Statuses whose responses have no body; a Response with one of them refuses a body, even an empty one. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

type Attempt =
  | { kind: 'response'; response: Response }
  | { kind: 'network_error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted'; reason: unknown };

/**
 * Builds the fetcher for one subgraph: a keep-alive pool, a deadline per call, retries of queries on
 * connection errors and 502/503/504 with jittered backoff, and a circuit breaker. It answers like fetch: a
 * response for every HTTP status (the last one when retries run out), an error when no response came, and
 * that error is a SubgraphRequestError (DOWNSTREAM_SERVICE_ERROR naming the subgraph) for a timeout, a
 * connection failure or an open circuit. The response body is read within the deadline and handed back
 * buffered.
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions): SubgraphFetcher {
  const settings = { ...SUBGRAPH_FETCH_DEFAULTS, ...definedOnly(options) };
  const { subgraph, timeoutMs, retries, onFetch } = settings;
  const random = options.random ?? Math.random;
  const agent = new Agent({
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    connect: { timeout: settings.connectTimeoutMs },
  });
  const breaker = new CircuitBreaker({ failureThreshold: settings.breakerFailureThreshold, cooldownMs: settings.breakerCooldownMs, now: options.now });

  async function fetchFromSubgraph(url: string, init: SubgraphRequestInit = {}): Promise<Response> {
    const permit = breaker.tryAcquire();
    if (!permit) {
      onFetch?.({ subgraph, durationMs: 0, outcome: 'circuit_open', attempt: 1 });
      throw new SubgraphRequestError(subgraph, 'circuit_open', `Subgraph "${subgraph}" is unavailable (circuit open after repeated failures); try again later`, 0);
    }
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    try {
      return await callWithRetries(url, init, signal, deadline.signal, permit);
    } catch (error) {
      // Every exit without an outcome (the caller aborted, a hook threw) hands the permit back, so that a
      // probe is never left out; a permit already settled ignores this.
      permit.abandoned();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function callWithRetries(url: string, init: SubgraphRequestInit, signal: AbortSignal, deadline: AbortSignal, permit: CircuitPermit): Promise<Response> {
    const started = performance.now();
    // A probe is one request, so that its answer alone decides whether the circuit closes.
    const maxAttempts = !permit.probe && isQueryOperation(init.body) ? retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = performance.now();
      const result = await send(url, init, signal, deadline);
      const durationMs = performance.now() - attemptStarted;
      if (result.kind === 'aborted') throw result.reason;
      const status = result.kind === 'response' ? result.response.status : undefined;
      const outcome = result.kind === 'response' ? (result.response.ok ? 'ok' : 'http_error') : result.kind;
      onFetch?.({ subgraph, durationMs, outcome, status, attempt });

      const retryable =
        (status !== undefined && isRetryableStatus(status)) || (result.kind === 'network_error' && isRetryableConnectionError(result.error));
      if (retryable && attempt < maxAttempts && breaker.state() === 'closed') {
        const delayMs = backoffDelayMs(attempt - 1, { baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs }, random);
        // A retry that cannot finish within the deadline is not started; the caller gets this attempt's answer.
        if (performance.now() - started + delayMs < timeoutMs) {
          await sleep(delayMs);
          continue;
        }
      }

      if (result.kind === 'response') {
        if (result.response.status >= 500) permit.failed();
        else permit.succeeded();
        return result.response;
      }
      permit.failed();
      if (result.kind === 'timeout') {
        throw new SubgraphRequestError(subgraph, 'timeout', `Subgraph "${subgraph}" did not answer within the ${timeoutMs} ms timeout`, attempt);
      }
      const code = errorCode(result.error) ?? 'unknown error';
      const attempts = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
      throw new SubgraphRequestError(subgraph, 'unreachable', `Request to subgraph "${subgraph}" failed (${code}) after ${attempts}`, attempt, result.error);
    }
  }

  async function send(url: string, init: SubgraphRequestInit, signal: AbortSignal, deadline: AbortSignal): Promise<Attempt> {
    try {
      const target = new URL(url);
      const answer = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body,
        signal,
      });
      // Read here, within the deadline, so that a subgraph that stalls in the middle of its body times out too.
      const body = await answer.body.arrayBuffer();
      return { kind: 'response', response: toResponse(answer.statusCode, answer.headers, body) };
    } catch (error) {
      if (deadline.aborted) return { kind: 'timeout' };
      if (signal.aborted) return { kind: 'aborted', reason: signal.reason };
      return { kind: 'network_error', error };
    }
  }

  let closing: Promise<void> | undefined;
  return Object.assign(fetchFromSubgraph, {
    subgraph,
    state: () => breaker.state(),
    onStateChange: (listener: (change: CircuitStateChange) => void) => breaker.onStateChange((to, from) => listener({ subgraph, from, to })),
    close: () => (closing ??= agent.close()),
  });
}

function toResponse(status: number, headers: Record<string, string | string[] | undefined>, body: ArrayBuffer): Response {
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, item);
  }
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, statusText: STATUS_CODES[status] ?? '', headers: responseHeaders });
}

/** The options without keys set to undefined, so that they do not override the defaults. */
function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
