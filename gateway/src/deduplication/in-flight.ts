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

  /** Runs `start` unless work with `key` is in flight; `joined` says whether this caller shared another's. */
  async run(key: string, start: () => Promise<T>): Promise<{ value: T; joined: boolean }> {
    let shared = this.pending.get(key);
    const joined = shared !== undefined;
    if (shared) this.onJoin();
    else shared = this.begin(key, start);
    shared.callers += 1;
    const value = await shared.promise;
    return { value: shared.callers > 1 ? this.copy(value) : value, joined };
  }

  /**
   * Work in flight now is joined by no later caller. Called around writes: a read that starts after a write
   * must not be answered by one that started before it.
   */
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
