import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store';

export interface RateLimitBudget {
  /** Requests per window. */
  requests: number;
  /** Estimated cost (see cost/) per window. */
  cost: number;
  windowMs: number;
}

export const RATE_LIMITED = 'RATE_LIMITED';

/**
 * Budgets per principal: one for requests, one for estimated cost. A principal is its tenant and its
 * client (or subject), so one partner's scripts share one budget. When the store fails, requests pass
 * and the failure is logged: a broken Redis must not take the graph down.
 */
export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly budgetFor: (kind: Principal['kind']) => RateLimitBudget,
    private readonly logger: Logger,
  ) {}

  /** Charges one request; returns the error to answer with when the budget is spent. */
  async chargeRequest(principal: Principal): Promise<{ error: GraphQLError | null; headers: HeaderMap }> {
    const budget = this.budgetFor(principal.kind);
    return this.charge(`req:${keyOf(principal)}`, 1, budget.requests, budget.windowMs, 'requests');
  }

  async chargeCost(principal: Principal, cost: number): Promise<{ error: GraphQLError | null; headers: HeaderMap }> {
    const budget = this.budgetFor(principal.kind);
    return this.charge(`cost:${keyOf(principal)}`, cost, budget.cost, budget.windowMs, 'cost');
  }

  private async charge(key: string, amount: number, limit: number, windowMs: number, what: 'requests' | 'cost') {
    let decision: RateLimitDecision;
    try {
      decision = await this.store.charge(key, amount, limit, windowMs);
    } catch (error) {
      this.logger.error({ err: error }, 'rate limit store failed; request allowed');
      return { error: null, headers: new HeaderMap() };
    }
    const headers = rateLimitHeaders(decision, windowMs);
    if (decision.allowed) return { error: null, headers };
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    headers.set('retry-after', String(retryAfterSeconds));
    const message = amount > limit
      ? `This operation's cost ${amount} is more than the whole ${what} budget of ${limit} per ${windowMs / 1000} s`
      : `Rate limit for ${what} exceeded: ${limit} per ${windowMs / 1000} s; retry after ${retryAfterSeconds} s`;
    return {
      error: new GraphQLError(message, {
        extensions: { code: RATE_LIMITED, limit: what, retryAfterSeconds, http: { status: 429, headers } },
      }),
      headers,
    };
  }
}

function keyOf(principal: Principal): string {
  return `${principal.tenant}:${principal.clientId ?? principal.sub}`;
}

/** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers). */
function rateLimitHeaders(decision: RateLimitDecision, windowMs: number): HeaderMap {
  const windowSeconds = Math.ceil(windowMs / 1000);
  return new HeaderMap([
    ['ratelimit-policy', `${decision.limit};w=${windowSeconds}`],
    ['ratelimit', `limit=${decision.limit}, remaining=${decision.remaining}, reset=${Math.ceil(decision.resetMs / 1000)}`],
  ]);
}
