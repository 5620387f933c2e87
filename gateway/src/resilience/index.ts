import { setTimeout as sleep } from 'node:timers/promises';
import { OperationTypeNode } from 'graphql';
import type { GatewayPlugin, SubgraphFetch, SubgraphResponse } from '../pipeline/plugin';
import { SubgraphRequestError } from '../pipeline/subgraph-errors';
import { CircuitBreaker, type CircuitPermit, type CircuitState } from './circuit-breaker';
import type { ResilienceConfig } from './config';
import { backoffDelayMs, isRetryableConnectionError, isRetryableStatus } from './retry-policy';

export type SubgraphFetchOutcome = 'ok' | 'network_error' | 'timeout' | 'circuit_open' | 'http_error' | 'bad_response';

/** One attempt of a call to a subgraph (a call refused by an open circuit is one event with outcome circuit_open). */
export interface SubgraphAttempt {
  subgraph: string;
  durationMs: number;
  outcome: SubgraphFetchOutcome;
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  attempt: number;
}

export interface ResilienceOptions extends ResilienceConfig {
  /** Called after every attempt, for metrics. */
  onAttempt?: (attempt: SubgraphAttempt) => void;
  /** Called on every change of a subgraph's circuit. */
  onBreakerChange?: (change: { subgraph: string; from: CircuitState; to: CircuitState }) => void;
  /** First backoff bound; each retry doubles it up to backoffCapMs. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How long a subgraph's /healthz may take when a timed-out call asks whether the subgraph is well. */
  healthTimeoutMs?: number;
  /** The breakers' clock in milliseconds; tests pass one they move. */
  now?: () => number;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
}

export interface ResiliencePlugin extends GatewayPlugin {
  /** A subgraph's circuit, for /readyz and metrics; closed for a subgraph not called yet. */
  breakerState(subgraph: string): CircuitState;
}

interface Guard {
  breaker: CircuitBreaker;
  /** A /healthz probe in flight, so that a burst of timeouts asks once. */
  probing: boolean;
}

/**
 * Each subgraph call gets a deadline, retries of queries (by the plan's operation kind; never a mutation: one
 * that failed on the way back may have been applied) on connection errors and 502/503/504 with jittered
 * backoff, and a circuit breaker per subgraph. The breaker counts signs that the subgraph is unhealthy:
 * connection failures, HTTP 5xx, and a /healthz that fails when a call timed out. A timeout alone says nothing
 * about the subgraph (one tenant's heaviest query may run out while the subgraph serves everyone else), so one
 * caller's slow requests can never open the circuit for every tenant.
 */
export function useResilience(options: ResilienceOptions): ResiliencePlugin {
  const backoff = { baseMs: options.backoffBaseMs ?? 50, capMs: options.backoffCapMs ?? 1000 };
  const random = options.random ?? Math.random;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2000;
  const guards = new Map<string, Guard>();

  const guardOf = (subgraph: string): Guard => {
    let guard = guards.get(subgraph);
    if (!guard) {
      const breaker = new CircuitBreaker({ failureThreshold: options.breakerFailureThreshold, cooldownMs: options.breakerCooldownMs, now: options.now });
      breaker.onStateChange((to, from) => options.onBreakerChange?.({ subgraph, from, to }));
      guards.set(subgraph, (guard = { breaker, probing: false }));
    }
    return guard;
  };

  /** Asks the subgraph's /healthz whether it is well; an answer under 500 within the bound is health. */
  const checkHealth = (guard: Guard, url: string) => {
    if (guard.probing) return;
    guard.probing = true;
    fetch(new URL('healthz', url), { signal: AbortSignal.timeout(healthTimeoutMs) })
      .then(async (response) => {
        await response.body?.cancel();
        if (response.status >= 500) guard.breaker.reportFailure();
      })
      .catch(() => guard.breaker.reportFailure())
      .finally(() => {
        guard.probing = false;
      });
  };

  async function call(fetch: SubgraphFetch, next: (fetch: SubgraphFetch) => Promise<SubgraphResponse>): Promise<SubgraphResponse> {
    const { subgraph } = fetch;
    const guard = guardOf(subgraph);
    const permit = guard.breaker.tryAcquire();
    if (!permit) {
      options.onAttempt?.({ subgraph, durationMs: 0, outcome: 'circuit_open', attempt: 1 });
      throw new SubgraphRequestError(subgraph, 'circuit_open', `Subgraph "${subgraph}" is unavailable (circuit open after repeated failures); try again later`);
    }
    const deadline = new AbortController();
    // The error is made when the deadline passes: one made per call (a stack trace each) was 5% of the gateway's CPU.
    const timer = setTimeout(
      () => deadline.abort(new SubgraphRequestError(subgraph, 'timeout', `Subgraph "${subgraph}" did not answer within the ${options.timeoutMs} ms timeout`)),
      options.timeoutMs,
    );
    const signal = fetch.signal ? AbortSignal.any([fetch.signal, deadline.signal]) : deadline.signal;
    try {
      return await attempts({ ...fetch, signal }, next, guard, permit, deadline.signal);
    } finally {
      clearTimeout(timer);
      // Every exit without an outcome (the caller gave up) hands the permit back; a settled permit ignores this.
      permit.abandoned();
    }
  }

  async function attempts(fetch: SubgraphFetch, next: (fetch: SubgraphFetch) => Promise<SubgraphResponse>, guard: Guard, permit: CircuitPermit, deadline: AbortSignal) {
    const started = performance.now();
    // A probe is one request, so that its answer alone decides whether the circuit closes.
    const maxAttempts = !permit.probe && fetch.operationKind === OperationTypeNode.QUERY ? options.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = performance.now();
      let response: SubgraphResponse;
      try {
        response = await next(fetch);
      } catch (thrown) {
        const error = deadline.aborted ? (deadline.reason as SubgraphRequestError) : asSubgraphError(fetch.subgraph, thrown);
        if (fetch.signal?.aborted && !deadline.aborted) throw thrown;
        options.onAttempt?.({ subgraph: fetch.subgraph, durationMs: performance.now() - attemptStarted, outcome: outcomeOf(error), attempt });
        const retryable = (error.failure === 'http_error' && isRetryableStatus(error.status ?? 0)) || (error.failure === 'unreachable' && isRetryableConnectionError(error.cause));
        if (retryable && attempt < maxAttempts && guard.breaker.state() === 'closed') {
          const delayMs = backoffDelayMs(attempt - 1, backoff, random);
          // A retry that cannot finish within the deadline is not started; the caller gets this attempt's error.
          if (performance.now() - started + delayMs < options.timeoutMs) {
            await sleep(delayMs);
            continue;
          }
        }
        if (error.failure === 'timeout') checkHealth(guard, fetch.url);
        else if (error.failure === 'unreachable' || (error.failure === 'http_error' && (error.status ?? 0) >= 500)) permit.failed();
        else permit.succeeded();
        throw error.failure === 'unreachable' ? afterAttempts(error, attempt) : error;
      }
      // Outside the try: a hook that fails here is the gateway's fault, never counted against the subgraph.
      options.onAttempt?.({ subgraph: fetch.subgraph, durationMs: performance.now() - attemptStarted, outcome: 'ok', attempt });
      permit.succeeded();
      return response;
    }
  }

  return {
    name: 'resilience',
    fetch: call,
    breakerState: (subgraph) => guards.get(subgraph)?.breaker.state() ?? 'closed',
  };
}

function asSubgraphError(subgraph: string, error: unknown): SubgraphRequestError {
  if (error instanceof SubgraphRequestError) return error;
  return new SubgraphRequestError(subgraph, 'unreachable', `Request to subgraph "${subgraph}" failed`, { cause: error });
}

/** A connection failure, saying how often it was tried. */
function afterAttempts(error: SubgraphRequestError, attempts: number): SubgraphRequestError {
  const tried = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return new SubgraphRequestError(error.subgraph, error.failure, `${error.message} after ${tried}`, { cause: error.cause, attempts });
}

function outcomeOf(error: SubgraphRequestError): SubgraphFetchOutcome {
  return error.failure === 'unreachable' ? 'network_error' : error.failure;
}
