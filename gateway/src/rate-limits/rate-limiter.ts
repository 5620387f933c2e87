import type { GraphQLError } from 'graphql';
import type { Logger } from '../../../lib/logger';
import { refusal } from '../pipeline/errors';
import { callerOf, type Principal } from '../../../lib/principal';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store';

export interface RateLimitBudget {
  /** Requests per window. */
  requests: number;
  /** Estimated cost (see cost/) per window. */
  cost: number;
  windowMs: number;
}

export const RATE_LIMITED = 'RATE_LIMITED';

/** One charge's outcome: the refusal when the budget is spent, and the RateLimit headers either way. */
export interface RateLimitCharge {
  error: GraphQLError | null;
  headers: Record<string, string>;
}

/**
 * Budgets per caller: one for requests, one for estimated cost. A caller is its tenant and callerOf
 * (lib/principal.ts): a user by subject, a script or partner by its client, so one partner's scripts share one budget. When the store fails, requests pass
 * and the failure is logged: a broken Redis must not take the graph down.
 */
export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly budgetFor: (kind: Principal['kind']) => RateLimitBudget,
    private readonly logger: Logger,
  ) {}

  /** Charges one request; returns the error to answer with when the budget is spent, and the RateLimit headers. */
  async chargeRequest(principal: Principal): Promise<RateLimitCharge> {
    const budget = this.budgetFor(principal.kind);
    return this.charge(`req:${keyOf(principal)}`, 1, budget.requests, budget.windowMs, 'requests');
  }

  async chargeCost(principal: Principal, cost: number): Promise<RateLimitCharge> {
    const budget = this.budgetFor(principal.kind);
    return this.charge(`cost:${keyOf(principal)}`, cost, budget.cost, budget.windowMs, 'cost');
  }

  private async charge(key: string, amount: number, limit: number, windowMs: number, what: 'requests' | 'cost'): Promise<RateLimitCharge> {
    let decision: RateLimitDecision;
    try {
      decision = await this.store.charge(key, amount, limit, windowMs);
    } catch (error) {
      this.logger.error({ err: error }, 'rate limit store failed; request allowed');
      return { error: null, headers: {} };
    }
    const headers = rateLimitHeaders(decision, windowMs);
    if (decision.allowed) return { error: null, headers };
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    headers['retry-after'] = String(retryAfterSeconds);
    const message = amount > limit
      ? `This operation's cost ${amount} is more than the whole ${what} budget of ${limit} per ${windowMs / 1000} s`
      : `Rate limit for ${what} exceeded: ${limit} per ${windowMs / 1000} s; retry after ${retryAfterSeconds} s`;
    return { error: refusal(message, RATE_LIMITED, { status: 429, headers }, { limit: what, retryAfterSeconds }), headers };
  }
}

function keyOf(principal: Principal): string {
  return `${principal.tenant}:${callerOf(principal)}`;
}

/** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers). */
function rateLimitHeaders(decision: RateLimitDecision, windowMs: number): Record<string, string> {
  const windowSeconds = Math.ceil(windowMs / 1000);
  return {
    'ratelimit-policy': `${decision.limit};w=${windowSeconds}`,
    ratelimit: `limit=${decision.limit}, remaining=${decision.remaining}, reset=${Math.ceil(decision.resetMs / 1000)}`,
  };
}
