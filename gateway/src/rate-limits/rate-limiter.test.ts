import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit-store';
import { RedisRateLimitStore } from './redis-rate-limit-store';
import { RateLimiter } from './rate-limiter';

const logger = createLogger('test', 'silent');
const partner: Principal = { sub: 'client-1', tenant: 'acme', kind: 'partner', scopes: [], clientId: 'partner-x' };

describe('GCRA budgets in memory', () => {
  it('allows a burst of the limit, refuses the next, and refills one unit per interval', async () => {
    let now = 1_000_000;
    const store = new MemoryRateLimitStore(10, () => now);
    for (let i = 0; i < 5; i++) expect((await store.charge('k', 1, 5, 10_000)).allowed).toBe(true);
    const refused = await store.charge('k', 1, 5, 10_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterMs).toBe(2000);
    now += 2000;
    expect((await store.charge('k', 1, 5, 10_000)).allowed).toBe(true);
  });

  it('keeps budgets apart per key and stays bounded in keys', async () => {
    const store = new MemoryRateLimitStore(2, () => 0);
    await store.charge('a', 5, 5, 1000);
    expect((await store.charge('b', 1, 5, 1000)).allowed).toBe(true);
    await store.charge('c', 1, 5, 1000);
    // "a" was evicted as the least recently charged key: its budget starts again.
    expect((await store.charge('a', 1, 5, 1000)).allowed).toBe(true);
  });

  it('evicts the least recently charged key, not the oldest one', async () => {
    const store = new MemoryRateLimitStore(2, () => 0);
    await store.charge('a', 5, 5, 1000);
    await store.charge('b', 5, 5, 1000);
    expect((await store.charge('a', 1, 5, 1000)).allowed).toBe(false);
    await store.charge('c', 1, 5, 1000);
    // "b" went, "a" (charged since) stays spent.
    expect((await store.charge('a', 1, 5, 1000)).allowed).toBe(false);
    expect((await store.charge('b', 1, 5, 1000)).allowed).toBe(true);
  });

  it('is whole again once the window has passed since the last charge', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(10, () => now);
    await store.charge('k', 5, 5, 1000);
    now += 999;
    expect((await store.charge('k', 5, 5, 1000)).allowed).toBe(false);
    now += 1;
    expect(await store.charge('k', 5, 5, 1000)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('the rate limiter', () => {
  it('answers RATE_LIMITED with 429, Retry-After and RateLimit headers', async () => {
    const limiter = new RateLimiter(new MemoryRateLimitStore(), () => ({ requests: 2, cost: 100, windowMs: 60_000 }), logger);
    expect((await limiter.chargeRequest(partner)).error).toBeNull();
    const second = await limiter.chargeRequest(partner);
    expect(second.error).toBeNull();
    expect(second.headers).toEqual({ 'ratelimit-policy': '2;w=60', ratelimit: 'limit=2, remaining=0, reset=60' });
    const third = await limiter.chargeRequest(partner);
    expect(third.error?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'requests', retryAfterSeconds: 30 });
    expect((third.error?.extensions.http as { status: number }).status).toBe(429);
    expect(third.headers['retry-after']).toBe('30');
    expect((third.error?.extensions.http as { headers: Record<string, string> }).headers).toEqual(third.headers);
  });

  it('refuses an operation costing more than the whole cost budget, saying so', async () => {
    const limiter = new RateLimiter(new MemoryRateLimitStore(), () => ({ requests: 100, cost: 50, windowMs: 60_000 }), logger);
    const result = await limiter.chargeCost(partner, 51);
    expect(result.error?.message).toContain('more than the whole cost budget of 50');
  });

  it('lets requests through when the store fails', async () => {
    const broken: RateLimitStore = { charge: () => Promise.reject(new Error('connection refused')), close: async () => undefined };
    const limiter = new RateLimiter(broken, () => ({ requests: 1, cost: 1, windowMs: 1000 }), logger);
    expect((await limiter.chargeRequest(partner)).error).toBeNull();
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  console.warn('Redis rate limit tests skipped: REDIS_URL is not set');
}
(redisUrl ? describe : describe.skip)('GCRA budgets in Redis, shared by two gateways', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('one budget holds across two stores on two connections, atomically under concurrency', async () => {
    const a = new Redis(redisUrl!);
    const b = new Redis(redisUrl!);
    clients.push(a, b);
    const prefix = `palisade:test:${randomUUID()}:`;
    const storeA = new RedisRateLimitStore(a, prefix);
    const storeB = new RedisRateLimitStore(b, prefix);
    const charges = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? storeA : storeB).charge('partner-x', 1, 25, 60_000));
    const decisions = await Promise.all(charges);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2400);
  });
});
