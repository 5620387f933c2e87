/**
 * Identical work in flight, done once: the first caller with a key starts it, and every caller with the
 * same key until it settles shares its outcome. Work shared by more than one caller hands each of them its
 * own copy of the value, so that no caller sees another's changes to it; a sole caller gets the value itself.
 */
export class InFlight<T> {
  private readonly pending = new Map<string, Shared<T>>();

  constructor(
    private readonly copy: (value: T) => T,
    /** Called whenever a caller joins work in flight, for metrics. */
    private readonly onJoin: () => void = () => undefined,
  ) {}

  /** Runs `start` unless work with `key` is in flight, whose outcome this caller then shares (and `joined` is called). */
  async run(key: string, start: () => Promise<T>, joined?: () => void): Promise<T> {
    let shared = this.pending.get(key);
    if (shared) {
      this.onJoin();
      joined?.();
    } else {
      shared = this.begin(key, start);
    }
    shared.callers += 1;
    const value = await shared.promise;
    return shared.callers > 1 ? this.copy(value) : value;
  }

  /**
   * Runs a write, never shared. No caller after it starts joins work from before it, nor, once it ends, work
   * that started while it ran: a read that starts after a write must see it.
   */
  async write<R>(work: () => Promise<R>): Promise<R> {
    this.barrier();
    try {
      return await work();
    } finally {
      this.barrier();
    }
  }

  /** Work in flight now is joined by no later caller (a write, a new schema). */
  barrier(): void {
    this.pending.clear();
  }

  /** Keys in flight now; for tests. */
  get size(): number {
    return this.pending.size;
  }

  private begin(key: string, start: () => Promise<T>): Shared<T> {
    const shared: Shared<T> = { callers: 0, promise: Promise.resolve() as Promise<T> };
    // Removed before any caller resumes, so `callers` is final when they read it.
    shared.promise = (async () => start())().finally(() => {
      if (this.pending.get(key) === shared) this.pending.delete(key);
    });
    this.pending.set(key, shared);
    return shared;
  }
}

interface Shared<T> {
  promise: Promise<T>;
  callers: number;
}
