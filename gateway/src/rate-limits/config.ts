import { readNonNegativeInt, readPositiveInt, type Environment } from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';
import type { ClientKind } from '../../../lib/principal';
import { perKindSettings, type ClientPolicyOverrides } from '../client-policies';
import type { AdmissionLimits } from './admission';
import type { RateLimitBudget } from './rate-limiter';

export interface RateLimitsConfig {
  /** Requests and cost per window, per client kind; shared by every replica through Redis. */
  budgets: Record<ClientKind, RateLimitBudget>;
  /** Requests in flight per tenant and per caller, in this replica. */
  admission: AdmissionLimits;
  /** Estimated cost of the operations executing at once for one tenant, in this replica. */
  costInFlightPerTenant: number;
  /** Percent of a budget a replica takes from Redis at a time and spends without a round trip; 0 charges Redis every time. */
  reservePercent: number;
}

/** Per minute. Override with CLIENT_POLICIES, e.g. {"partner": {"rateLimit": {"requests": 300}}}. */
export const DEFAULT_BUDGETS: Readonly<Record<ClientKind, RateLimitBudget>> = {
  user: { requests: 600, cost: 1_000_000, windowMs: 60_000 },
  script: { requests: 1_200, cost: 2_000_000, windowMs: 60_000 },
  partner: { requests: 120, cost: 200_000, windowMs: 60_000 },
};

export const DEFAULT_ADMISSION: Readonly<AdmissionLimits> = { perCaller: 8, perTenant: 32, maxWaiting: 256, maxWaitMs: 5_000 };

/**
 * As much as the largest operation a user or script may send (maxCost): a tenant executes at most, say, four
 * of the heaviest lists its limits allow (cost 2,201 each) at once, however many callers send them.
 */
export const DEFAULT_COST_IN_FLIGHT_PER_TENANT = 10_000;

/** A user's 600 requests a minute are taken 12 at a time, its cost budget 20,000 at a time. */
export const DEFAULT_RESERVE_PERCENT = 2;

/**
 * CLIENT_POLICIES' rateLimit sections; MAX_IN_FLIGHT_PER_CALLER, MAX_IN_FLIGHT_PER_TENANT,
 * MAX_COST_IN_FLIGHT_PER_TENANT, ADMISSION_WAIT_MS, RATE_LIMIT_RESERVE_PERCENT.
 */
export function readRateLimitsConfig(env: Environment, overrides: ClientPolicyOverrides): RateLimitsConfig {
  return {
    budgets: perKindSettings(DEFAULT_BUDGETS, overrides, 'rateLimit'),
    admission: {
      perCaller: readPositiveInt(env, 'MAX_IN_FLIGHT_PER_CALLER', DEFAULT_ADMISSION.perCaller),
      perTenant: readPositiveInt(env, 'MAX_IN_FLIGHT_PER_TENANT', DEFAULT_ADMISSION.perTenant),
      maxWaiting: DEFAULT_ADMISSION.maxWaiting,
      maxWaitMs: readPositiveInt(env, 'ADMISSION_WAIT_MS', DEFAULT_ADMISSION.maxWaitMs),
    },
    costInFlightPerTenant: readPositiveInt(env, 'MAX_COST_IN_FLIGHT_PER_TENANT', DEFAULT_COST_IN_FLIGHT_PER_TENANT),
    reservePercent: readPercent(env, 'RATE_LIMIT_RESERVE_PERCENT', DEFAULT_RESERVE_PERCENT),
  };
}

function readPercent(env: Environment, name: string, fallback: number): number {
  const value = readNonNegativeInt(env, name, fallback);
  if (value > 100) throw new ConfigError(name, `expected a percentage from 0 to 100, got "${env[name]}"`);
  return value;
}
