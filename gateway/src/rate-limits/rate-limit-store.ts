import { LRUCache } from 'lru-cache';

/** The answer for one charge against a budget. Times are milliseconds. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the budget is whole again. */
  resetMs: number;
  /** When refused: how long until this charge would be accepted. */
  retryAfterMs: number;
}

/**
 * A GCRA budget store: `limit` units per `windowMs`, spent smoothly (a unit comes back every windowMs/limit),
 * with a burst of up to `limit`. One atomic step per charge, so the budget holds however many gateway
 * replicas charge it at once.
 */
export interface RateLimitStore {
  charge(key: string, cost: number, limit: number, windowMs: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** The same arithmetic as the Redis script, for one process. */
export function gcra(storedTat: number | undefined, now: number, cost: number, limit: number, windowMs: number) {
  const interval = windowMs / limit;
  const tat = Math.max(storedTat ?? now, now);
  const newTat = tat + cost * interval;
  const allowAt = newTat - windowMs;
  if (now < allowAt) {
    return {
      tat,
      decision: { allowed: false, limit, remaining: Math.max(0, Math.floor((windowMs - (tat - now)) / interval)), resetMs: Math.ceil(tat - now), retryAfterMs: Math.ceil(allowAt - now) },
    };
  }
  return {
    tat: newTat,
    decision: { allowed: true, limit, remaining: Math.max(0, Math.floor((windowMs - (newTat - now)) / interval)), resetMs: Math.ceil(newTat - now), retryAfterMs: 0 },
  };
}

/** In-process budgets, for a single gateway without Redis. Bounded: the least recently charged keys go first. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly tats: LRUCache<string, number>;

  constructor(
    maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    // A key's budget is whole again at its theoretical arrival time: the entry is useless after it.
    this.tats = new LRUCache({ max: maxKeys, perf: { now } });
  }

  async charge(key: string, cost: number, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = this.now();
    const { tat, decision } = gcra(this.tats.get(key), now, cost, limit, windowMs);
    this.tats.set(key, tat, { ttl: Math.max(1, Math.ceil(tat - now)) });
    return decision;
  }

  async close(): Promise<void> {
    this.tats.clear();
  }
}
