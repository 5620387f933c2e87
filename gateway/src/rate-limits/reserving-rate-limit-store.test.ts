import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MemoryRateLimitStore, type RateLimitDecision, type RateLimitStore } from './rate-limit-store';
import { RedisRateLimitStore } from './redis-rate-limit-store';
import { ReservingRateLimitStore, reservingFrom } from './reserving-rate-limit-store';

const WINDOW_MS = 60_000;

/** A shared store that counts its charges, and fails while told to. */
class CountingStore implements RateLimitStore {
  charges = 0;
  failing = false;
  constructor(readonly inner: RateLimitStore) {}
  async charge(key: string, cost: number, limit: number, windowMs: number): Promise<RateLimitDecision> {
    this.charges += 1;
    if (this.failing) throw new Error('connection refused');
    return this.inner.charge(key, cost, limit, windowMs);
  }
  async close(): Promise<void> {}
}

/** A fixed clock: no unit comes back during a test unless it moves the time. */
function clock() {
  let time = 1_000_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

async function chargeTimes(store: RateLimitStore, times: number, cost = 1, limit = 100): Promise<RateLimitDecision[]> {
  const decisions: RateLimitDecision[] = [];
  for (let i = 0; i < times; i++) decisions.push(await store.charge('acme:script-1', cost, limit, WINDOW_MS));
  return decisions;
}

describe('a budget spent in blocks', () => {
  it('takes a block at a time from the shared store and answers the rest without it', async () => {
    const time = clock();
    const shared = new CountingStore(new MemoryRateLimitStore(1000, time.now));
    const store = new ReservingRateLimitStore(shared, 0.1, 1000, time.now);
    const decisions = await chargeTimes(store, 100);
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(shared.charges).toBe(10);
  });

  it('allows and refuses exactly where the shared store alone would, with the same RateLimit figures', async () => {
    const time = clock();
    const alone = await chargeTimes(new MemoryRateLimitStore(1000, time.now), 103);
    const blocks = await chargeTimes(new ReservingRateLimitStore(new MemoryRateLimitStore(1000, time.now), 0.07, 1000, time.now), 103);
    const figures = (d: RateLimitDecision) => [d.allowed, d.remaining, d.resetMs];
    expect(blocks.map(figures)).toEqual(alone.map(figures));
    expect(blocks.filter((d) => d.allowed)).toHaveLength(100);
    expect(blocks[100].retryAfterMs).toBeGreaterThan(0);
  });

  it('takes what a charge costs when a whole block is refused, so the last units of a budget are not lost', async () => {
    const time = clock();
    const shared = new MemoryRateLimitStore(1000, time.now);
    await shared.charge('acme:script-1', 95, 100, WINDOW_MS);
    const store = new ReservingRateLimitStore(shared, 0.1, 1000, time.now);
    const decisions = await chargeTimes(store, 6);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
  });

  it('takes a charge larger than a block whole, spending what it holds first', async () => {
    const time = clock();
    const shared = new CountingStore(new MemoryRateLimitStore(1000, time.now));
    const store = new ReservingRateLimitStore(shared, 0.1, 1000, time.now);
    await store.charge('acme:script-1', 1, 1000, WINDOW_MS); // takes 100, holds 99
    const heavy = await store.charge('acme:script-1', 250, 1000, WINDOW_MS); // needs 151 more
    expect(heavy).toMatchObject({ allowed: true, remaining: 749 });
    expect(shared.charges).toBe(2);
    expect(await shared.inner.charge('acme:script-1', 0, 1000, WINDOW_MS)).toMatchObject({ remaining: 749 });
  });

  it('never allows more than the budget under concurrent charges, nor takes a block twice at once', async () => {
    const time = clock();
    const shared = new CountingStore(new MemoryRateLimitStore(1000, time.now));
    const store = new ReservingRateLimitStore(shared, 0.1, 1000, time.now);
    const decisions = await Promise.all(Array.from({ length: 130 }, (_, i) => store.charge('acme:script-1', 1 + (i % 3), 100, WINDOW_MS)));
    const spent = decisions.reduce((sum, d, i) => sum + (d.allowed ? 1 + (i % 3) : 0), 0);
    expect(spent).toBeLessThanOrEqual(100);
    expect(spent).toBeGreaterThanOrEqual(98);
    // One block per 10 units, and at most a second charge for exact units when a block is refused near the end.
    expect(shared.charges).toBeLessThan(130 / 3);
  });

  it('across replicas never allows more than the budget, and refuses at most a block per other replica early', async () => {
    const time = clock();
    const shared = new MemoryRateLimitStore(1000, time.now);
    const replicas = [0, 1, 2].map(() => new ReservingRateLimitStore(shared, 0.05, 1000, time.now));
    const decisions = await Promise.all(Array.from({ length: 150 }, (_, i) => replicas[i % 3].charge('acme:script-1', 1, 100, WINDOW_MS)));
    const allowed = decisions.filter((d) => d.allowed).length;
    expect(allowed).toBeLessThanOrEqual(100);
    expect(allowed).toBeGreaterThanOrEqual(100 - 2 * 5);
  });

  it('gives units back as time passes, as the shared store does', async () => {
    const time = clock();
    const store = new ReservingRateLimitStore(new MemoryRateLimitStore(1000, time.now), 0.1, 1000, time.now);
    await chargeTimes(store, 100);
    expect((await store.charge('acme:script-1', 1, 100, WINDOW_MS)).allowed).toBe(false);
    time.advance(WINDOW_MS / 100);
    expect(await store.charge('acme:script-1', 1, 100, WINDOW_MS)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses a caller over its budget without asking the shared store again until units come back', async () => {
    const time = clock();
    const shared = new CountingStore(new MemoryRateLimitStore(1000, time.now));
    const store = new ReservingRateLimitStore(shared, 0.1, 1000, time.now);
    await chargeTimes(store, 100);
    const before = shared.charges;
    const refusals = await chargeTimes(store, 50);
    expect(refusals.every((d) => !d.allowed && d.retryAfterMs > 0)).toBe(true);
    expect(shared.charges - before).toBe(2); // a block, then the one unit, refused once
    time.advance(refusals[0].retryAfterMs);
    expect((await store.charge('acme:script-1', 1, 100, WINDOW_MS)).allowed).toBe(true);
  });

  it('keeps what it holds when the shared store fails, and goes on once it is back', async () => {
    const time = clock();
    const shared = new CountingStore(new MemoryRateLimitStore(1000, time.now));
    const store = new ReservingRateLimitStore(shared, 0.1, 1000, time.now);
    await chargeTimes(store, 5); // holds 5 of a block of 10
    shared.failing = true;
    await expect(store.charge('acme:script-1', 8, 100, WINDOW_MS)).rejects.toThrow('connection refused');
    expect((await chargeTimes(store, 5)).every((d) => d.allowed)).toBe(true); // the 5 held, no shared charge
    expect(shared.charges).toBe(2);
    shared.failing = false;
    expect(await store.charge('acme:script-1', 1, 100, WINDOW_MS)).toMatchObject({ allowed: true, remaining: 89 });
  });

  it('charges the shared store every time at 0 percent', () => {
    const shared = new MemoryRateLimitStore();
    expect(reservingFrom(shared, 0)).toBe(shared);
    expect(reservingFrom(shared, 2)).toBeInstanceOf(ReservingRateLimitStore);
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('Redis block reservation test skipped: REDIS_URL is not set');
(redisUrl ? describe : describe.skip)('a budget in Redis spent in blocks by two replicas', () => {
  it('holds the budget across two replicas on two connections', async () => {
    const clients = [new Redis(redisUrl!), new Redis(redisUrl!)];
    try {
      const prefix = `palisade:test:${randomUUID()}:`;
      const [a, b] = clients.map((client) => new ReservingRateLimitStore(new RedisRateLimitStore(client, prefix), 0.1));
      const decisions = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? a : b).charge('partner-x', 1, 50, WINDOW_MS)));
      const allowed = decisions.filter((d) => d.allowed).length;
      expect(allowed).toBeLessThanOrEqual(50);
      expect(allowed).toBeGreaterThanOrEqual(45);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
  });
});
