import { LRUCache } from 'lru-cache';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store';

/** What this replica holds of one key's budget. */
interface Reserve {
  /** Units charged to the shared store and not yet spent here. */
  units: number;
  limit: number;
  windowMs: number;
  /** The shared store's last answer for this key, and when it came. */
  shared: RateLimitDecision | undefined;
  at: number;
  /** After a refusal (`shared` says when units come back): the units it needed, refused here until then. */
  refusedNeeded: number | undefined;
  /** The charge for this key in progress: the next one waits for it, so a reserve is never taken twice at once. */
  turn: Promise<unknown>;
}

/** The shared store spent in blocks of `percent` of each budget; 0 charges the shared store every time. */
export function reservingFrom(shared: RateLimitStore, percent: number): RateLimitStore {
  return percent === 0 ? shared : new ReservingRateLimitStore(shared, percent / 100);
}

/**
 * Spends each budget of the shared store (Redis) in blocks: the first charge of a key takes a block of its budget
 * (`share` of the limit, at least what the charge costs) in one atomic step, and the charges after it are spent
 * from that block in this process, without a round trip, until it runs out. A block is charged to the shared
 * store when it is taken, so no caller ever spends more than its budget, however many replicas it reaches; what
 * a replica holds unspent is counted as spent elsewhere, so with R replicas a caller may be refused up to
 * (R - 1) blocks early. When a whole block is refused, the charge asks for exactly what it costs, so one
 * replica alone refuses exactly where the shared store would.
 */
export class ReservingRateLimitStore implements RateLimitStore {
  private readonly reserves: LRUCache<string, Reserve>;

  constructor(
    private readonly shared: RateLimitStore,
    private readonly share: number,
    maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`share must be more than 0 and at most 1, got ${share}`);
    // An evicted reserve loses its unspent units: they were charged already, so that errs on the safe side.
    this.reserves = new LRUCache({ max: maxKeys });
  }

  charge(key: string, cost: number, limit: number, windowMs: number): Promise<RateLimitDecision> {
    let reserve = this.reserves.get(key);
    if (!reserve || reserve.limit !== limit || reserve.windowMs !== windowMs) {
      reserve = { units: 0, limit, windowMs, shared: undefined, at: 0, refusedNeeded: undefined, turn: Promise.resolve() };
      this.reserves.set(key, reserve);
    }
    if (reserve.units >= cost) {
      reserve.units -= cost;
      return Promise.resolve(this.sinceShared(reserve, this.now(), true));
    }
    const current = reserve;
    const charged = current.turn.then(() => this.take(key, current, cost));
    current.turn = charged.catch(() => undefined);
    return charged;
  }

  async close(): Promise<void> {
    this.reserves.clear();
    await this.shared.close();
  }

  private async take(key: string, reserve: Reserve, cost: number): Promise<RateLimitDecision> {
    // A charge that waited its turn may find the units the one before it took.
    if (reserve.units >= cost) {
      reserve.units -= cost;
      return this.sinceShared(reserve, this.now(), true);
    }
    const now = this.now();
    const held = reserve.units;
    const { shared, refusedNeeded } = reserve;
    if (shared && refusedNeeded !== undefined && now < reserve.at + shared.retryAfterMs && cost - held >= refusedNeeded) return this.sinceShared(reserve, now, false);
    // The units held now go into this charge: no charge spends them while this one waits for the shared store.
    reserve.units = 0;
    const { limit, windowMs } = reserve;
    const needed = cost - held;
    const block = Math.max(needed, Math.floor(limit * this.share));
    let taken = block;
    let answer: RateLimitDecision;
    try {
      answer = await this.shared.charge(key, block, limit, windowMs);
      if (!answer.allowed && block > needed) {
        taken = needed;
        answer = await this.shared.charge(key, needed, limit, windowMs);
      }
    } catch (error) {
      reserve.units += held;
      throw error;
    }
    reserve.shared = answer;
    reserve.at = this.now();
    reserve.units += answer.allowed ? taken - needed : held;
    // A caller over its budget keeps sending: its refusals are answered here until units come back.
    reserve.refusedNeeded = answer.allowed ? undefined : needed;
    return this.withUnspent(answer, reserve);
  }

  /** The shared store's last answer as time has moved it since (units come back, the reset and the retry near). */
  private sinceShared(reserve: Reserve, now: number, allowed: boolean): RateLimitDecision {
    const { shared, limit, windowMs } = reserve;
    if (!shared) return { allowed, limit, remaining: reserve.units, resetMs: 0, retryAfterMs: 0 };
    const elapsed = now - reserve.at;
    const remaining = Math.min(limit, shared.remaining + Math.floor(elapsed / (windowMs / limit)));
    const retryAfterMs = allowed ? 0 : Math.max(1, shared.retryAfterMs - elapsed);
    return this.withUnspent({ allowed, limit, remaining, resetMs: Math.max(0, shared.resetMs - elapsed), retryAfterMs }, reserve);
  }

  /** What the caller has left is what the shared store has left plus what this replica holds unspent. */
  private withUnspent(decision: RateLimitDecision, reserve: Reserve): RateLimitDecision {
    const interval = reserve.windowMs / reserve.limit;
    return {
      ...decision,
      remaining: Math.min(reserve.limit, decision.remaining + reserve.units),
      resetMs: Math.max(0, Math.ceil(decision.resetMs - reserve.units * interval)),
    };
  }
}
