import { readNonNegativeInt, readPositiveInt, type Environment } from '../../../lib/config';
import { SUBGRAPH_FETCH_DEFAULTS } from './subgraph-fetcher';

/** The part of the subgraph fetcher's options that operators set; the rest keep their defaults. */
export interface ResilienceConfig {
  timeoutMs: number;
  retries: number;
  breakerFailureThreshold: number;
  breakerCooldownMs: number;
}

/** Reads SUBGRAPH_TIMEOUT_MS, SUBGRAPH_RETRIES (0 turns retries off), BREAKER_FAILURE_THRESHOLD, BREAKER_COOLDOWN_MS. */
export function readResilienceConfig(env: Environment): ResilienceConfig {
  return {
    timeoutMs: readPositiveInt(env, 'SUBGRAPH_TIMEOUT_MS', SUBGRAPH_FETCH_DEFAULTS.timeoutMs),
    retries: readNonNegativeInt(env, 'SUBGRAPH_RETRIES', SUBGRAPH_FETCH_DEFAULTS.retries),
    breakerFailureThreshold: readPositiveInt(env, 'BREAKER_FAILURE_THRESHOLD', SUBGRAPH_FETCH_DEFAULTS.breakerFailureThreshold),
    breakerCooldownMs: readPositiveInt(env, 'BREAKER_COOLDOWN_MS', SUBGRAPH_FETCH_DEFAULTS.breakerCooldownMs),
  };
}
