import type { ClientKind } from '../../../lib/principal';
import { useCost } from '../cost';
import type { ExecutionOutcome } from '../pipeline/plugin';
import { principal, servedSchema, silentLogger, testPipeline, usePrincipal } from '../pipeline/test-fixtures';
import type { RateLimitsConfig } from './config';
import { RateLimiter, type RateLimitBudget } from './rate-limiter';
import { MemoryRateLimitStore } from './rate-limit-store';
import { useRateLimits } from '.';
import { useDeduplication } from '../deduplication';

const SDL = `
  directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT
  type Query { report: Report cheap: Int }
  type Report @cost(weight: 40) { total: Int }
`;
const schema = servedSchema(SDL);

function config(budget: Partial<RateLimitBudget> = {}, admission: Partial<RateLimitsConfig['admission']> = {}, costInFlightPerTenant = 10_000): RateLimitsConfig {
  const each = { requests: 100, cost: 1000, windowMs: 60_000, ...budget };
  return {
    budgets: { user: each, script: each, partner: each } as Record<ClientKind, RateLimitBudget>,
    admission: { perCaller: 8, perTenant: 32, maxWaiting: 8, maxWaitMs: 60_000, ...admission },
    costInFlightPerTenant,
    reservePercent: 0,
  };
}

function rateLimited(settings: RateLimitsConfig, options: { execute?: () => Promise<ExecutionOutcome>; who?: () => ReturnType<typeof principal>; deduplication?: boolean } = {}) {
  const limiter = new RateLimiter(new MemoryRateLimitStore(), (kind) => settings.budgets[kind], silentLogger);
  return testPipeline({
    schema,
    rootValue: { report: { total: 1 }, cheap: 1 },
    execute: options.execute && (() => options.execute!()),
    plugins: [
      usePrincipal(options.who ?? (() => principal({ clientId: 'app-1' }))),
      useCost({ user: 10_000, script: 10_000, partner: 10_000 }),
      useRateLimits(settings, limiter),
      ...(options.deduplication ? [useDeduplication()] : []),
    ],
  });
}

describe('useRateLimits', () => {
  it('puts the RateLimit headers on every answer, and refuses a request over its budget with 429 and Retry-After', async () => {
    const { run } = rateLimited(config({ requests: 2 }));
    const first = await run({ query: '{ cheap }' });
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-policy': '2;w=60', ratelimit: 'limit=2, remaining=1, reset=30' });
    await run({ query: '{ cheap }' });
    const refused = await run({ query: '{ cheap }' });
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '30', ratelimit: 'limit=2, remaining=0, reset=60' });
    expect(refused.body).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'RATE_LIMITED', limit: 'requests', retryAfterSeconds: 30 } })] });
  });

  it('keeps budgets apart per tenant and per client of a script', async () => {
    let who = principal({ kind: 'script', sub: 'svc-1', clientId: 'app-1' });
    const { run } = rateLimited(config({ requests: 1 }), { who: () => who });
    expect((await run({ query: '{ cheap }' })).status).toBe(200);
    expect((await run({ query: '{ cheap }' })).status).toBe(429);
    // Another token of the same client shares its budget.
    who = principal({ kind: 'script', sub: 'svc-2', clientId: 'app-1' });
    expect((await run({ query: '{ cheap }' })).status).toBe(429);
    who = principal({ kind: 'script', sub: 'svc-1', clientId: 'app-2' });
    expect((await run({ query: '{ cheap }' })).status).toBe(200);
    who = principal({ kind: 'script', sub: 'svc-1', clientId: 'app-1', tenant: 'globex' });
    expect((await run({ query: '{ cheap }' })).status).toBe(200);
  });

  it('gives each person a budget of their own, though every analyst uses the same frontend (the same client)', async () => {
    let who = principal({ sub: 'usr-acme-00001', clientId: 'soc-console' });
    const { run } = rateLimited(config({ requests: 1 }), { who: () => who });
    expect((await run({ query: '{ cheap }' })).status).toBe(200);
    expect((await run({ query: '{ cheap }' })).status).toBe(429);
    who = principal({ sub: 'usr-acme-00002', clientId: 'soc-console' });
    expect((await run({ query: '{ cheap }' })).status).toBe(200);
  });

  it("charges the cost budget with the operation's estimate, once cost has made it", async () => {
    const { run } = rateLimited(config({ cost: 100 }));
    expect((await run({ query: '{ report { total } }' })).status).toBe(200);
    expect((await run({ query: '{ report { total } }' })).status).toBe(200);
    const refused = await run({ query: '{ report { total } }' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', limit: 'cost' }) })] });
  });

  it('bounds the requests of one caller in flight, and frees the room when a request is answered', async () => {
    const waiting: Array<() => void> = [];
    const execute = () => new Promise<ExecutionOutcome>((resolve) => waiting.push(() => resolve({ data: { cheap: 1 } })));
    const { run } = rateLimited(config({}, { perCaller: 1, maxWaitMs: 50 }), { execute });
    const first = run({ query: '{ cheap }' });
    await new Promise(setImmediate);
    const refused = await run({ query: '{ cheap }' });
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '1' });
    expect(refused.body).toEqual({
      errors: [
        {
          message: 'Too many requests in flight for this client (at most 1 at once, each waiting at most 50 ms); retry after 1 s',
          extensions: { code: 'RATE_LIMITED', limit: 'inFlightPerCaller', maximum: 1, retryAfterSeconds: 1 },
        },
      ],
    });
    waiting.shift()!();
    expect((await first).status).toBe(200);
    const next = run({ query: '{ cheap }' });
    await new Promise(setImmediate);
    waiting.shift()!();
    expect((await next).status).toBe(200);
  });

  it('counts executions, not requests that join an identical execution in flight: those give back their turn', async () => {
    const waiting: Array<() => void> = [];
    const execute = () => new Promise<ExecutionOutcome>((resolve) => waiting.push(() => resolve({ data: { cheap: 1 } })));
    const { run } = rateLimited(config({}, { perCaller: 2, maxWaitMs: 50 }, 60), { execute, deduplication: true });
    const leader = run({ query: '{ cheap }' });
    await new Promise(setImmediate);
    const joiners = [run({ query: '{ cheap }' }), run({ query: '{ cheap }' }), run({ query: '{ cheap }' })];
    await new Promise(setImmediate);
    // A different operation still finds room: the leader holds one turn of two, the joiners none.
    const other = run({ query: '{ report { total } }' });
    await new Promise(setImmediate);
    expect(waiting).toHaveLength(2);
    for (const finish of waiting.splice(0)) finish();
    expect((await Promise.all([leader, ...joiners, other])).map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    // With every turn back, a third execution and a fourth fill the bound again, and a fifth waits, then is refused.
    const third = run({ query: '{ report { total } }' });
    const fourth = run({ query: '{ cheap }' });
    await new Promise(setImmediate);
    expect((await run({ query: '{ cheap } ' })).status).toBe(429);
    for (const finish of waiting.splice(0)) finish();
    expect((await third).status).toBe(200);
    expect((await fourth).status).toBe(200);
  });

  it("bounds the estimated cost a tenant executes at once, whoever sends it, and leaves other tenants' room alone", async () => {
    const waiting: Array<() => void> = [];
    const execute = () => new Promise<ExecutionOutcome>((resolve) => waiting.push(() => resolve({ data: { report: { total: 1 } } })));
    let who = principal({ clientId: 'app-1' });
    const { run } = rateLimited(config({}, { maxWaitMs: 50 }, 60), { execute, who: () => who });
    const first = run({ query: '{ report { total } }' });
    await new Promise(setImmediate);
    who = principal({ clientId: 'app-2' });
    const refused = await run({ query: '{ report { total } }' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      errors: [
        {
          message: 'Too much work in flight for your tenant (estimated cost 40 beside others, at most 60 at once, each waiting at most 50 ms); retry after 1 s',
          extensions: { code: 'RATE_LIMITED', limit: 'costInFlightPerTenant', maximum: 60, cost: 40, retryAfterSeconds: 1 },
        },
      ],
    });
    who = principal({ clientId: 'app-2', tenant: 'globex' });
    const otherTenant = run({ query: '{ report { total } }' });
    await new Promise(setImmediate);
    expect(waiting).toHaveLength(2);
    for (const finish of waiting.splice(0)) finish();
    expect((await first).status).toBe(200);
    expect((await otherTenant).status).toBe(200);
    // The first one's cost is released with its answer.
    who = principal({ clientId: 'app-2' });
    const after = run({ query: '{ report { total } }' });
    await new Promise(setImmediate);
    waiting.shift()!();
    expect((await after).status).toBe(200);
  });

  it('frees the room of a request refused after it was admitted', async () => {
    const { run } = rateLimited(config({ cost: 10 }, { perCaller: 1, maxWaitMs: 50 }));
    // Refused by the cost budget in onOperation, after admission: its room must come back.
    expect((await run({ query: '{ report { total } }' })).status).toBe(429);
    expect((await run({ query: '{ cheap }' })).status).toBe(200);
  });
});
