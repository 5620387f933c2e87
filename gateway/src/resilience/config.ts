import { readNonNegativeInt, readPositiveInt, type Environment } from '../../../lib/config';

export interface ResilienceConfig {
  /** Budget for a whole subgraph call: connecting, headers and body, and every retry with its backoff. */
  timeoutMs: number;
  /** Further attempts of a query after a connection error or HTTP 502/503/504; mutations get none. */
  retries: number;
  /** Consecutive signs of an unhealthy subgraph (connection failures, HTTP 5xx, a failed /healthz) that open its circuit. */
  breakerFailureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through. */
  breakerCooldownMs: number;
}

export const RESILIENCE_DEFAULTS: Readonly<ResilienceConfig> = { timeoutMs: 10_000, retries: 2, breakerFailureThreshold: 5, breakerCooldownMs: 10_000 };

/** Reads SUBGRAPH_TIMEOUT_MS, SUBGRAPH_RETRIES (0 turns retries off), BREAKER_FAILURE_THRESHOLD, BREAKER_COOLDOWN_MS. */
export function readResilienceConfig(env: Environment): ResilienceConfig {
  return {
    timeoutMs: readPositiveInt(env, 'SUBGRAPH_TIMEOUT_MS', RESILIENCE_DEFAULTS.timeoutMs),
    retries: readNonNegativeInt(env, 'SUBGRAPH_RETRIES', RESILIENCE_DEFAULTS.retries),
    breakerFailureThreshold: readPositiveInt(env, 'BREAKER_FAILURE_THRESHOLD', RESILIENCE_DEFAULTS.breakerFailureThreshold),
    breakerCooldownMs: readPositiveInt(env, 'BREAKER_COOLDOWN_MS', RESILIENCE_DEFAULTS.breakerCooldownMs),
  };
}
