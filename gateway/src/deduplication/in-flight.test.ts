import { InFlight } from './in-flight';

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

/** An InFlight that counts the callers who joined work in flight. */
function counting(): { inFlight: InFlight<{ n: number }>; joins(): number } {
  let joins = 0;
  return { inFlight: new InFlight(copy, () => (joins += 1)), joins: () => joins };
}

describe('InFlight', () => {
  it('starts work once for callers with the same key while it is in flight, and gives each its own copy', async () => {
    const { inFlight, joins } = counting();
    const work = deferred<{ n: number }>();
    let started = 0;
    const start = () => {
      started += 1;
      return work.promise;
    };
    const calls = [inFlight.run('k', start), inFlight.run('k', start), inFlight.run('k', start)];
    expect(inFlight.size).toBe(1);
    expect(joins()).toBe(2);
    const original = { n: 1 };
    work.resolve(original);
    const values = await Promise.all(calls);

    expect(started).toBe(1);
    expect(values).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(new Set(values).size).toBe(3);
    expect(values).not.toContain(original);
    expect(inFlight.size).toBe(0);
  });

  it('gives a sole caller the value itself, and starts again once the work settled', async () => {
    const { inFlight, joins } = counting();
    const value = { n: 2 };
    expect(await inFlight.run('k', async () => value)).toBe(value);
    expect(await inFlight.run('k', async () => ({ n: 3 }))).toEqual({ n: 3 });
    expect(joins()).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const { inFlight, joins } = counting();
    const [a, b] = await Promise.all([inFlight.run('a', async () => ({ n: 1 })), inFlight.run('b', async () => ({ n: 2 }))]);
    expect([a.n, b.n, joins()]).toEqual([1, 2, 0]);
  });

  it('tells work of one group apart by its detail, made only when other work of the group is in flight', async () => {
    const { inFlight, joins } = counting();
    let details = 0;
    const key = (variables: string) => ({ group: 'query\u0000principal', detail: () => ((details += 1), variables) });
    const work = deferred<{ n: number }>();
    const first = inFlight.run(key('{"uid":"a"}'), () => work.promise);
    expect(details).toBe(0); // alone in its group: nothing to compare with
    const other = inFlight.run(key('{"uid":"b"}'), async () => ({ n: 2 }));
    const same = inFlight.run(key('{"uid":"a"}'), async () => ({ n: 3 }));
    expect(joins()).toBe(1);
    work.resolve({ n: 1 });
    expect((await Promise.all([first, other, same])).map((value) => value.n)).toEqual([1, 2, 1]);
    // The first work's detail was made once, when the second caller compared with it; each newcomer made its
    // own; the second work's was never needed (the third caller matched the first before reaching it).
    expect(details).toBe(3);
    expect(inFlight.size).toBe(0);
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
    const { inFlight, joins } = counting();
    const before = deferred<{ n: number }>();
    const first = inFlight.run('k', () => before.promise);
    inFlight.barrier();
    const after = inFlight.run('k', async () => ({ n: 2 }));
    before.resolve({ n: 1 });
    expect(await first).toEqual({ n: 1 });
    expect(await after).toEqual({ n: 2 });
    expect(joins()).toBe(0);
    expect(inFlight.size).toBe(0);
  });

  it('lets no read join work from before a write, nor work that started while the write ran', async () => {
    const { inFlight, joins } = counting();
    const write = deferred<string>();
    const before = deferred<{ n: number }>();
    const during = deferred<{ n: number }>();
    const readBefore = inFlight.run('k', () => before.promise);
    const written = inFlight.write(() => write.promise);
    const readDuring = inFlight.run('k', () => during.promise);
    write.resolve('done');
    expect(await written).toBe('done');
    const readAfter = inFlight.run('k', async () => ({ n: 3 }));
    before.resolve({ n: 1 });
    during.resolve({ n: 2 });
    expect(await Promise.all([readBefore, readDuring, readAfter])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(joins()).toBe(0);
  });
});
