import { InFlight } from '../src/deduplication/in-flight';

/** A promise and the functions that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const copy = (value: { n: number }) => ({ ...value });

describe('InFlight', () => {
  it('starts work once for callers with the same key while it is in flight, and gives each its own copy', async () => {
    const inFlight = new InFlight(copy);
    const work = deferred<{ n: number }>();
    let started = 0;
    const start = () => {
      started += 1;
      return work.promise;
    };
    const calls = [inFlight.run('k', start), inFlight.run('k', start), inFlight.run('k', start)];
    expect(inFlight.size).toBe(1);
    const original = { n: 1 };
    work.resolve(original);
    const results = await Promise.all(calls);

    expect(started).toBe(1);
    expect(results.map((r) => r.joined)).toEqual([false, true, true]);
    expect(results.map((r) => r.value)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    const values = new Set(results.map((r) => r.value));
    expect(values.size).toBe(3);
    expect(values.has(original)).toBe(false);
    expect(inFlight.size).toBe(0);
  });

  it('gives a sole caller the value itself, and starts again once the work settled', async () => {
    const inFlight = new InFlight(copy);
    const value = { n: 2 };
    const first = await inFlight.run('k', async () => value);
    const second = await inFlight.run('k', async () => ({ n: 3 }));
    expect(first).toEqual({ value, joined: false });
    expect(first.value).toBe(value);
    expect(second.value).toEqual({ n: 3 });
  });

  it('keeps different keys apart', async () => {
    const inFlight = new InFlight(copy);
    const [a, b] = await Promise.all([inFlight.run('a', async () => ({ n: 1 })), inFlight.run('b', async () => ({ n: 2 }))]);
    expect([a.value.n, b.value.n, a.joined, b.joined]).toEqual([1, 2, false, false]);
  });

  it('hands the same failure to every caller of the failed work, and forgets it', async () => {
    const inFlight = new InFlight(copy);
    const work = deferred<{ n: number }>();
    const calls = [inFlight.run('k', () => work.promise), inFlight.run('k', () => work.promise)];
    const failure = new Error('subgraph down');
    work.reject(failure);
    for (const call of calls) await expect(call).rejects.toBe(failure);
    expect(inFlight.size).toBe(0);
  });

  it('turns a synchronous throw of the work into a rejection', async () => {
    const inFlight = new InFlight(copy);
    await expect(
      inFlight.run('k', () => {
        throw new Error('bad');
      }),
    ).rejects.toThrow('bad');
    expect(inFlight.size).toBe(0);
  });

  it('lets no caller after a barrier join work from before it; that work still answers its own callers', async () => {
    const inFlight = new InFlight(copy);
    const before = deferred<{ n: number }>();
    const first = inFlight.run('k', () => before.promise);
    inFlight.barrier();
    const after = inFlight.run('k', async () => ({ n: 2 }));
    before.resolve({ n: 1 });
    expect(await first).toEqual({ value: { n: 1 }, joined: false });
    expect(await after).toEqual({ value: { n: 2 }, joined: false });
    expect(inFlight.size).toBe(0);
  });
});
