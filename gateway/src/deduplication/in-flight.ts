/**
 * What identifies work: a string, or a group and the detail that tells work of one group apart (the variables
 * of one operation, as text). The detail is made only when other work of the group is in flight, so that
 * work no other caller shares costs no more than the group's look-up.
 */
export type InFlightKey = string | { group: string; detail: () => string };

/**
 * Identical work in flight, done once: the first caller with a key starts it, and every caller with the
 * same key until it settles shares its outcome. Work shared by more than one caller hands each of them its
 * own copy of the value, so that no caller sees another's changes to it; a sole caller gets the value itself.
 */
export class InFlight<T> {
  private readonly pending = new Map<string, Array<Shared<T>>>();

  constructor(
    private readonly copy: (value: T) => T,
    /** Called whenever a caller joins work in flight, for metrics. */
    private readonly onJoin: () => void = () => undefined,
  ) {}

  /** Runs `start` unless work with `key` is in flight, whose outcome this caller then shares (and `joined` is called). */
  async run(key: InFlightKey, start: () => Promise<T>, joined?: () => void): Promise<T> {
    const { group, detail } = typeof key === 'string' ? { group: key, detail: noDetail } : key;
    let shared = this.matching(group, detail);
    if (shared) {
      this.onJoin();
      joined?.();
    } else {
      shared = this.begin(group, detail, start);
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

  /** Work in flight now; for tests. */
  get size(): number {
    let size = 0;
    for (const group of this.pending.values()) size += group.length;
    return size;
  }

  private matching(group: string, detail: () => string): Shared<T> | undefined {
    const candidates = this.pending.get(group);
    if (!candidates) return undefined;
    const mine = detail();
    return candidates.find((candidate) => (candidate.detail ??= candidate.describe()) === mine);
  }

  private begin(group: string, describe: () => string, start: () => Promise<T>): Shared<T> {
    const shared: Shared<T> = { callers: 0, promise: Promise.resolve() as Promise<T>, describe, detail: undefined };
    // Removed before any caller resumes, so `callers` is final when they read it.
    shared.promise = (async () => start())().finally(() => {
      const candidates = this.pending.get(group);
      const index = candidates ? candidates.indexOf(shared) : -1;
      if (index < 0) return;
      candidates!.splice(index, 1);
      if (candidates!.length === 0) this.pending.delete(group);
    });
    const candidates = this.pending.get(group);
    if (candidates) candidates.push(shared);
    else this.pending.set(group, [shared]);
    return shared;
  }
}

const noDetail = () => '';

interface Shared<T> {
  promise: Promise<T>;
  callers: number;
  describe: () => string;
  /** describe()'s text, made when a caller of the same group first compares with it. */
  detail: string | undefined;
}
