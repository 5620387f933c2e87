/**
 * How much work one tenant, and one caller within it, may have in the gateway at once: in requests (each weighs
 * 1), or in estimated cost (each weighs its cost).
 */
export interface AdmissionLimits {
  /** Work in flight for one caller (callerOf, lib/principal.ts: a user by subject, a script or partner by its client). */
  perCaller: number;
  /** Work in flight for one tenant, all its callers together. */
  perTenant: number;
  /** Requests of one tenant waiting for room; more are refused at once. */
  maxWaiting: number;
  /** How long a request waits for room before it is refused. */
  maxWaitMs: number;
}

export type AdmissionResult = { admitted: true; release: () => void } | { admitted: false; reason: 'perCaller' | 'perTenant' };

interface Waiter {
  caller: string;
  weight: number;
  admit: () => void;
}

/**
 * Work in flight, bounded per tenant and per caller: a tenant flooding the graph with its heaviest requests
 * takes at most its share of the subgraphs, and every other tenant keeps theirs. A request over its bound
 * waits, first come first served within its tenant, for a bounded time; then it is refused. A request heavier
 * than a bound counts as the bound, so that alone it always gets in.
 */
export class Admission {
  private readonly tenants = new Map<string, number>();
  private readonly callers = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly limits: AdmissionLimits) {}

  async admit(tenant: string, caller: string, weight = 1): Promise<AdmissionResult> {
    const callerKey = `${tenant}\u0000${caller}`;
    const bounded = Math.min(weight, this.limits.perTenant, this.limits.perCaller);
    // With room, and nobody of the tenant waiting for the tenant's room, this request takes nobody's turn: a
    // waiter held only by its own caller's bound is passed.
    if (this.callerFits(callerKey, bounded) && this.tenantFits(tenant, bounded) && !this.waitingForTenant(tenant)) return this.enter(tenant, callerKey, bounded);
    const queue = this.waiting.get(tenant) ?? [];
    if (queue.length >= this.limits.maxWaiting) return { admitted: false, reason: this.reason(callerKey, bounded) };
    this.waiting.set(tenant, queue);
    return new Promise<AdmissionResult>((resolve) => {
      const waiter: Waiter = {
        caller: callerKey,
        weight: bounded,
        admit: () => {
          clearTimeout(timer);
          resolve(this.enter(tenant, callerKey, bounded));
        },
      };
      const timer = setTimeout(() => {
        this.removeWaiter(tenant, waiter);
        resolve({ admitted: false, reason: this.reason(callerKey, bounded) });
        // A heavy waiter that gave up may have held lighter ones back.
        this.wake(tenant);
      }, this.limits.maxWaitMs);
      timer.unref();
      queue.push(waiter);
    });
  }

  /** Work in flight now, for tests and metrics. */
  inFlight(tenant: string): number {
    return this.tenants.get(tenant) ?? 0;
  }

  private callerFits(callerKey: string, weight: number): boolean {
    return (this.callers.get(callerKey) ?? 0) + weight <= this.limits.perCaller;
  }

  private tenantFits(tenant: string, weight: number): boolean {
    return (this.tenants.get(tenant) ?? 0) + weight <= this.limits.perTenant;
  }

  /** Whether a waiter of the tenant that its caller's bound lets through waits for the tenant's room. */
  private waitingForTenant(tenant: string): boolean {
    return (this.waiting.get(tenant) ?? []).some((waiter) => this.callerFits(waiter.caller, waiter.weight));
  }

  private reason(callerKey: string, weight: number): 'perCaller' | 'perTenant' {
    return this.callerFits(callerKey, weight) ? 'perTenant' : 'perCaller';
  }

  private enter(tenant: string, callerKey: string, weight: number): AdmissionResult {
    this.tenants.set(tenant, (this.tenants.get(tenant) ?? 0) + weight);
    this.callers.set(callerKey, (this.callers.get(callerKey) ?? 0) + weight);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        subtract(this.tenants, tenant, weight);
        subtract(this.callers, callerKey, weight);
        this.wake(tenant);
      },
    };
  }

  /**
   * Admits the tenant's waiters in order: one held by its own caller's bound is passed (a busy caller does not
   * block the others); the first that the tenant's room does not fit stops the rest, so a heavy request is not
   * overtaken for ever by lighter ones.
   */
  private wake(tenant: string): void {
    const queue = this.waiting.get(tenant);
    if (!queue) return;
    for (let index = 0; index < queue.length; ) {
      const waiter = queue[index];
      if (!this.callerFits(waiter.caller, waiter.weight)) {
        index += 1;
        continue;
      }
      if (!this.tenantFits(tenant, waiter.weight)) break;
      queue.splice(index, 1);
      waiter.admit();
    }
    if (queue.length === 0) this.waiting.delete(tenant);
  }

  private removeWaiter(tenant: string, waiter: Waiter): void {
    const queue = this.waiting.get(tenant);
    if (!queue) return;
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.waiting.delete(tenant);
  }
}

function subtract(sums: Map<string, number>, key: string, weight: number): void {
  const next = (sums.get(key) ?? weight) - weight;
  if (next <= 0) sums.delete(key);
  else sums.set(key, next);
}
