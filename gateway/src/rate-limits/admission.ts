/** How much work one tenant, and one caller within it, may have in the gateway at once. */
export interface AdmissionLimits {
  /** Requests in flight for one caller (a tenant's client, or its subject). */
  perCaller: number;
  /** Requests in flight for one tenant, all its callers together. */
  perTenant: number;
  /** Requests of one tenant waiting for room; more are refused at once. */
  maxWaiting: number;
  /** How long a request waits for room before it is refused. */
  maxWaitMs: number;
}

export type AdmissionResult = { admitted: true; release: () => void } | { admitted: false; reason: 'perCaller' | 'perTenant' };

interface Waiter {
  caller: string;
  admit: () => void;
}

/**
 * Work in flight, bounded per tenant and per caller: a tenant flooding the graph with its heaviest requests
 * takes at most its share of the subgraphs, and every other tenant keeps theirs. A request over its bound
 * waits, first come first served within its tenant, for a bounded time; then it is refused.
 */
export class Admission {
  private readonly tenants = new Map<string, number>();
  private readonly callers = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly limits: AdmissionLimits) {}

  async admit(tenant: string, caller: string): Promise<AdmissionResult> {
    const callerKey = `${tenant}\u0000${caller}`;
    // With room for the tenant, whoever waits is held by its own caller's bound: this request takes nobody's turn.
    if (this.hasRoom(tenant, callerKey)) return this.enter(tenant, callerKey);
    const queue = this.waiting.get(tenant) ?? [];
    if (queue.length >= this.limits.maxWaiting) return { admitted: false, reason: this.reason(callerKey) };
    this.waiting.set(tenant, queue);
    return new Promise<AdmissionResult>((resolve) => {
      const waiter: Waiter = {
        caller: callerKey,
        admit: () => {
          clearTimeout(timer);
          resolve(this.enter(tenant, callerKey));
        },
      };
      const timer = setTimeout(() => {
        this.removeWaiter(tenant, waiter);
        resolve({ admitted: false, reason: this.reason(callerKey) });
      }, this.limits.maxWaitMs);
      timer.unref();
      queue.push(waiter);
    });
  }

  /** Requests in flight now, for tests and metrics. */
  inFlight(tenant: string): number {
    return this.tenants.get(tenant) ?? 0;
  }

  private hasRoom(tenant: string, callerKey: string): boolean {
    return (this.tenants.get(tenant) ?? 0) < this.limits.perTenant && (this.callers.get(callerKey) ?? 0) < this.limits.perCaller;
  }

  private reason(callerKey: string): 'perCaller' | 'perTenant' {
    return (this.callers.get(callerKey) ?? 0) >= this.limits.perCaller ? 'perCaller' : 'perTenant';
  }

  private enter(tenant: string, callerKey: string): AdmissionResult {
    this.tenants.set(tenant, (this.tenants.get(tenant) ?? 0) + 1);
    this.callers.set(callerKey, (this.callers.get(callerKey) ?? 0) + 1);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        decrement(this.tenants, tenant);
        decrement(this.callers, callerKey);
        this.wake(tenant);
      },
    };
  }

  /** Admits the first waiters of the tenant whose callers have room (a busy caller does not block the others). */
  private wake(tenant: string): void {
    const queue = this.waiting.get(tenant);
    if (!queue) return;
    for (let index = 0; index < queue.length && (this.tenants.get(tenant) ?? 0) < this.limits.perTenant; ) {
      const waiter = queue[index];
      if ((this.callers.get(waiter.caller) ?? 0) < this.limits.perCaller) {
        queue.splice(index, 1);
        waiter.admit();
      } else {
        index += 1;
      }
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

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 1) - 1;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
