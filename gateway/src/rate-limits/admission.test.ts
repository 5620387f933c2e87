import { Admission, type AdmissionLimits, type AdmissionResult } from './admission';

const LIMITS: AdmissionLimits = { perCaller: 2, perTenant: 3, maxWaiting: 2, maxWaitMs: 60_000 };

/** The release of an admitted request; fails the test when it was refused. */
function released(result: AdmissionResult): () => void {
  if (!result.admitted) throw new Error(`refused: ${result.reason}`);
  return result.release;
}

/** Whether a promise settled by now (after the microtasks queued before this call). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise(setImmediate);
  return done;
}

afterEach(() => jest.useRealTimers());

describe('admission of work in flight', () => {
  it('admits a caller up to its own bound, then holds its next request until one of its requests ends', async () => {
    const admission = new Admission(LIMITS);
    const first = released(await admission.admit('acme', 'script-1'));
    released(await admission.admit('acme', 'script-1'));
    const third = admission.admit('acme', 'script-1');
    expect(await settled(third)).toBe(false);
    expect(admission.inFlight('acme')).toBe(2);
    first();
    expect(await third).toMatchObject({ admitted: true });
    expect(admission.inFlight('acme')).toBe(2);
  });

  it("bounds a tenant's callers together, and keeps tenants apart", async () => {
    const admission = new Admission(LIMITS);
    for (const caller of ['a', 'b', 'c']) released(await admission.admit('acme', caller));
    const fourth = admission.admit('acme', 'd');
    expect(await settled(fourth)).toBe(false);
    // Another tenant has all of its own room.
    for (const caller of ['a', 'b', 'c']) released(await admission.admit('globex', caller));
    expect([admission.inFlight('acme'), admission.inFlight('globex')]).toEqual([3, 3]);
  });

  it('wakes the waiters of a tenant first come, first served', async () => {
    const admission = new Admission({ ...LIMITS, perCaller: 3, maxWaiting: 5 });
    const releases = [];
    for (let i = 0; i < 3; i++) releases.push(released(await admission.admit('acme', `caller-${i}`)));
    const order: string[] = [];
    const waiting = ['w1', 'w2', 'w3'].map((caller) => admission.admit('acme', caller).then((result) => (order.push(caller), result)));
    releases[2]();
    await waiting[0];
    releases[1]();
    releases[0]();
    await Promise.all(waiting);
    expect(order).toEqual(['w1', 'w2', 'w3']);
  });

  it('does not let a busy caller block another caller of the same tenant', async () => {
    const admission = new Admission({ perCaller: 1, perTenant: 2, maxWaiting: 5, maxWaitMs: 60_000 });
    const busy = released(await admission.admit('acme', 'busy'));
    const other = released(await admission.admit('acme', 'other'));
    // The busy caller waits first, for its own room; a request of another caller waits behind it for the tenant's.
    const busyAgain = admission.admit('acme', 'busy');
    const third = admission.admit('acme', 'third');
    other();
    // Room for the tenant, none for the busy caller: the next in line with room goes first.
    expect(await third).toMatchObject({ admitted: true });
    expect(await settled(busyAgain)).toBe(false);
    busy();
    expect(await busyAgain).toMatchObject({ admitted: true });
  });

  it('lets a request with room in through, even while another caller of its tenant waits for its own room', async () => {
    const admission = new Admission({ perCaller: 1, perTenant: 3, maxWaiting: 5, maxWaitMs: 60_000 });
    released(await admission.admit('acme', 'busy'));
    const waiting = admission.admit('acme', 'busy');
    expect(await admission.admit('acme', 'idle')).toMatchObject({ admitted: true });
    expect(await settled(waiting)).toBe(false);
  });

  it('refuses a request that waited maxWaitMs, saying which bound held it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const admission = new Admission({ ...LIMITS, maxWaitMs: 500 });
    for (let i = 0; i < 2; i++) released(await admission.admit('acme', 'script-1'));
    released(await admission.admit('acme', 'script-2'));
    const byCaller = admission.admit('acme', 'script-1');
    const byTenant = admission.admit('acme', 'script-3');
    jest.advanceTimersByTime(499);
    expect(await settled(byCaller)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await byCaller).toEqual({ admitted: false, reason: 'perCaller' });
    expect(await byTenant).toEqual({ admitted: false, reason: 'perTenant' });
    expect(admission.inFlight('acme')).toBe(3);
  });

  it('refuses at once when maxWaiting requests of the tenant already wait', async () => {
    const admission = new Admission(LIMITS);
    for (const caller of ['a', 'b', 'c']) released(await admission.admit('acme', caller));
    const waiting = [admission.admit('acme', 'd'), admission.admit('acme', 'e')];
    expect(await admission.admit('acme', 'f')).toEqual({ admitted: false, reason: 'perTenant' });
    expect(await admission.admit('acme', 'a')).toEqual({ admitted: false, reason: 'perTenant' });
    expect(await Promise.all(waiting.map(settled))).toEqual([false, false]);
  });

  it('forgets a waiter that gave up: it takes no room when one frees', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const admission = new Admission({ ...LIMITS, maxWaitMs: 100 });
    const releases = [];
    for (const caller of ['a', 'b', 'c']) releases.push(released(await admission.admit('acme', caller)));
    const gaveUp = admission.admit('acme', 'd');
    jest.advanceTimersByTime(100);
    expect(await gaveUp).toMatchObject({ admitted: false });
    releases[0]();
    expect(admission.inFlight('acme')).toBe(2);
    expect(await admission.admit('acme', 'e')).toMatchObject({ admitted: true });
  });

  it('counts a release once, however often it is called', async () => {
    const admission = new Admission(LIMITS);
    const release = released(await admission.admit('acme', 'a'));
    released(await admission.admit('acme', 'b'));
    release();
    release();
    expect(admission.inFlight('acme')).toBe(1);
    expect(admission.inFlight('nobody')).toBe(0);
  });
});

describe('admission weighted by estimated cost', () => {
  const COST: AdmissionLimits = { perCaller: 10_000, perTenant: 10_000, maxWaiting: 10, maxWaitMs: 60_000 };

  it("admits a tenant's work up to its bound in cost, and holds what does not fit until enough ends", async () => {
    const admission = new Admission(COST);
    const heavy = [];
    for (let i = 0; i < 4; i++) heavy.push(released(await admission.admit('acme', `flood-${i}`, 2_201)));
    const fifth = admission.admit('acme', 'flood-4', 2_201);
    expect(await settled(fifth)).toBe(false);
    // Another tenant has all of its room.
    expect(await admission.admit('globex', 'analyst', 9_000)).toMatchObject({ admitted: true });
    heavy[0]();
    expect(await fifth).toMatchObject({ admitted: true });
    expect(admission.inFlight('acme')).toBe(4 * 2_201);
  });

  it('counts a request heavier than the bound as the bound: alone it gets in, and it holds the whole tenant', async () => {
    const admission = new Admission(COST);
    const huge = released(await admission.admit('acme', 'a', 50_000));
    expect(admission.inFlight('acme')).toBe(10_000);
    const next = admission.admit('acme', 'b', 1);
    expect(await settled(next)).toBe(false);
    huge();
    expect(await next).toMatchObject({ admitted: true });
  });

  it('lets no later, lighter request overtake one that waits for room in its tenant', async () => {
    const admission = new Admission(COST);
    const first = released(await admission.admit('acme', 'a', 6_000));
    const order: string[] = [];
    const heavy = admission.admit('acme', 'b', 6_000).then((result) => (order.push('heavy'), result));
    const light = admission.admit('acme', 'c', 100).then((result) => (order.push('light'), result));
    expect(await settled(light)).toBe(false);
    first();
    await Promise.all([heavy, light]);
    expect(order).toEqual(['heavy', 'light']);
  });

  it('lets the lighter waiters in when the heavy one ahead of them gives up', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const admission = new Admission({ ...COST, maxWaitMs: 100 });
    released(await admission.admit('acme', 'a', 6_000));
    const heavy = admission.admit('acme', 'b', 6_000);
    jest.advanceTimersByTime(50);
    const light = admission.admit('acme', 'c', 100);
    jest.advanceTimersByTime(50);
    expect(await heavy).toMatchObject({ admitted: false, reason: 'perTenant' });
    expect(await light).toMatchObject({ admitted: true });
  });
});
