import type { ChangeEvent, ChangeSource } from '../../../lib/change-events/change-event';
import { principal, preparedOperation, servedSchema, silentLogger, testPipeline } from '../pipeline/test-fixtures';
import type { Delivery } from './delivery-queue';
import { RESOLVING_PER_GROUP, SubscriptionHub } from './hub';

/** A schema whose subscription's events are resolved by Query.thingChangedEvent, as a subgraph would. */
const SCHEMA = servedSchema(`
  type Thing { uid: ID! name: String! }
  type ThingChange { id: ID! thing: Thing! }
  type Query { thingChangedEvent(id: ID!, name: String): ThingChange }
  type Subscription { thingChanged(name: String): ThingChange! }
`);

const SUBSCRIPTION = 'subscription { thingChanged { id thing { uid name } } }';

/** A change source the test publishes into, as a subgraph's relay would. */
function testSource() {
  let deliver: ((event: ChangeEvent) => void) | undefined;
  const source: ChangeSource = {
    subscribe: async (onEvent) => {
      deliver = onEvent;
    },
    close: async () => undefined,
  };
  let sequence = 0;
  const emit = (tenant = 'acme', id = `t-1:${++sequence}`) => deliver!({ id, field: 'thingChanged', tenant, entity: 't-1', sequence, at: new Date().toISOString() });
  return { source, emit };
}

function hubFor(options: { queueLength?: number; backlogPerGroup?: number; perCaller?: number; resolve?: (id: string) => unknown } = {}) {
  const resolutions: string[] = [];
  const ended: string[] = [];
  const dropped: string[] = [];
  const { pipeline } = testPipeline({
    schema: SCHEMA,
    rootValue: {
      thingChangedEvent: ({ id }: { id: string }) => {
        resolutions.push(id);
        return options.resolve ? options.resolve(id) : { id, thing: { uid: 't-1', name: 'one' } };
      },
    },
  });
  const { source, emit } = testSource();
  const hub = new SubscriptionHub({
    pipeline: { executeDerived: (operation) => pipeline.executeDerived(operation), reportSubscriptionEnd: (_operation, reason) => ended.push(reason) },
    source,
    logger: silentLogger,
    hideSuggestions: false,
    limits: { user: { perConnection: 10, perCaller: options.perCaller ?? 10, connectionsPerCaller: 10 }, script: { perConnection: 10, perCaller: 10, connectionsPerCaller: 10 }, partner: { perConnection: 1, perCaller: 1, connectionsPerCaller: 1 } },
    queueLength: options.queueLength ?? 100,
    backlogPerGroup: options.backlogPerGroup,
    replayWindowSeconds: 600,
    onDropped: (reason) => dropped.push(reason),
  });
  return { hub, emit, resolutions, ended, dropped };
}

function subscription(tenant = 'acme', sub = 'alice') {
  return preparedOperation(SUBSCRIPTION, { schema: SCHEMA, principal: principal({ tenant, sub, clientId: 'soc-console', scopes: ['things:read'] }) });
}

async function take(stream: AsyncIterable<Delivery>, count: number): Promise<Delivery[]> {
  const taken: Delivery[] = [];
  for await (const delivery of stream) {
    taken.push(delivery);
    if (taken.length === count) break;
  }
  return taken;
}

describe('the subscription hub', () => {
  it("resolves an event once for every subscriber who would get the same answer, and delivers it to each", async () => {
    const { hub, emit, resolutions } = hubFor();
    await hub.start();
    const alice = hub.register(subscription('acme', 'alice'));
    const bob = hub.register(subscription('acme', 'bob'));
    emit();
    const [aliceGot, bobGot] = await Promise.all([take(alice.stream, 1), take(bob.stream, 1)]);
    expect(aliceGot[0]).toEqual({ eventId: 't-1:1', result: { data: { thingChanged: { id: 't-1:1', thing: { uid: 't-1', name: 'one' } } } } });
    expect(bobGot).toEqual(aliceGot);
    expect(resolutions).toEqual(['t-1:1']);
  });

  it("routes an event to its tenant's subscribers only: another tenant's is never even resolved", async () => {
    const { hub, emit, resolutions } = hubFor();
    await hub.start();
    const globex = hub.register(subscription('globex'));
    emit('acme');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolutions).toEqual([]);
    expect(globex.stream.length).toBe(0);
  });

  it('drops an event it already heard (delivery is at least once)', async () => {
    const { hub, emit, resolutions } = hubFor();
    await hub.start();
    const alice = hub.register(subscription());
    emit('acme', 'same');
    emit('acme', 'same');
    emit('acme', 'next');
    const got = await take(alice.stream, 2);
    expect(got.map((delivery) => delivery.eventId)).toEqual(['same', 'next']);
    expect(resolutions).toEqual(['same', 'next']);
  });

  it('delivers nothing for an event the subgraph answers null for (not for this filter)', async () => {
    const { hub, emit } = hubFor({ resolve: (id) => (id.endsWith(':1') ? null : { id, thing: { uid: 't-1', name: 'one' } }) });
    await hub.start();
    const alice = hub.register(subscription());
    emit();
    emit();
    expect((await take(alice.stream, 1))[0].eventId).toBe('t-1:2');
  });

  it("resolves a group's events at once, up to its bound, and delivers them in the order they arrived", async () => {
    const pending = new Map<string, () => void>();
    const { hub, emit, resolutions } = hubFor({
      resolve: (id) => new Promise((resolve) => pending.set(id, () => resolve({ id, thing: { uid: 't-1', name: 'one' } }))),
    });
    await hub.start();
    const alice = hub.register(subscription());
    const count = RESOLVING_PER_GROUP + 2;
    for (let i = 0; i < count; i++) emit();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One slow round trip no longer holds up the ones after it, but no more than the bound are in flight.
    expect(resolutions).toHaveLength(RESOLVING_PER_GROUP);
    const ids = Array.from({ length: count }, (_, i) => `t-1:${i + 1}`);
    // The later ones answer first.
    for (const id of [...ids].reverse()) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      pending.get(id)?.();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const id of ids) pending.get(id)?.();
    const got = await take(alice.stream, count);
    expect(got.map((delivery) => delivery.eventId)).toEqual(ids);
    expect(resolutions).toHaveLength(count);
  });

  it('cuts off a subscriber that falls behind its bound, tells it why, and keeps serving the others', async () => {
    const { hub, emit, ended, dropped } = hubFor({ queueLength: 3 });
    await hub.start();
    const slow = hub.register(subscription('acme', 'slow'));
    for (let i = 0; i < 6; i++) emit();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const got: Delivery[] = [];
    for await (const delivery of slow.stream) got.push(delivery);
    expect(got.slice(0, 3).map((delivery) => delivery.eventId)).toEqual(['t-1:1', 't-1:2', 't-1:3']);
    expect(got.at(-1)?.result.errors?.[0].extensions?.code).toBe('SUBSCRIBER_TOO_SLOW');
    expect(ended).toEqual(['fell behind']);
    expect(dropped).toEqual(['slow_client']);
    const fresh = hub.register(subscription('acme', 'fresh'));
    emit();
    expect(await take(fresh.stream, 1)).toHaveLength(1);
  });

  it('ends the subscribers of a group whose events arrive faster than they are resolved, telling them to reload, rather than hold ever more', async () => {
    const pending: Array<() => void> = [];
    const { hub, emit, ended, dropped, resolutions } = hubFor({
      backlogPerGroup: 3,
      resolve: (id) => new Promise((resolve) => pending.push(() => resolve({ id, thing: { uid: 't-1', name: 'one' } }))),
    });
    await hub.start();
    const alice = hub.register(subscription('acme', 'alice'));
    const bob = hub.register(subscription('acme', 'bob'));
    for (let i = 0; i < 4; i++) emit();
    for (const stream of [alice.stream, bob.stream]) {
      const got: Delivery[] = [];
      for await (const delivery of stream) got.push(delivery);
      expect(got).toEqual([{ result: { errors: [expect.objectContaining({ extensions: { code: 'SUBSCRIPTION_OVERLOADED' } })] } }]);
    }
    expect(ended).toEqual(['gateway fell behind', 'gateway fell behind']);
    expect(dropped).toEqual(['overloaded', 'overloaded']);
    // Nothing more is taken on for the ended group; a new subscriber starts afresh once the gateway catches up.
    emit();
    for (const finish of pending.splice(0)) finish();
    const fresh = hub.register(subscription('acme', 'carol'));
    emit();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const finish of pending.splice(0)) finish();
    expect((await take(fresh.stream, 1))[0].eventId).toBe('t-1:6');
    expect(resolutions).toHaveLength(4);
  });

  it('bounds subscriptions per caller, and frees the place when one ends', async () => {
    const { hub } = hubFor({ perCaller: 2 });
    await hub.start();
    const first = hub.register(subscription());
    hub.register(subscription());
    expect(() => hub.register(subscription())).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: 'perCaller' }) }));
    first.end('completed by the client');
    expect(() => hub.register(subscription())).not.toThrow();
    // Another analyst on the same frontend (a token naming the same client) has places of their own.
    const colleague = preparedOperation(SUBSCRIPTION, { schema: SCHEMA, principal: principal({ tenant: 'acme', sub: 'bob', clientId: 'soc-console', scopes: ['things:read'] }) });
    expect(() => hub.register(colleague)).not.toThrow();
  });

  it('replays what a resuming subscriber missed, or tells it the window has passed', async () => {
    const { hub, emit } = hubFor();
    await hub.start();
    const first = hub.register(subscription('acme', 'first'));
    emit();
    emit();
    emit();
    await take(first.stream, 3);
    const resumed = hub.register(subscription('acme', 'resumed'), 't-1:1');
    expect((await take(resumed.stream, 2)).map((delivery) => delivery.eventId)).toEqual(['t-1:2', 't-1:3']);
    const lost = hub.register(subscription('acme', 'lost'), 'never-seen');
    expect((await take(lost.stream, 1))[0].result.errors?.[0].extensions?.code).toBe('REPLAY_WINDOW_EXCEEDED');
  });

  it('refuses a subscription whose field no query resolves events of', async () => {
    const { hub } = hubFor();
    const schema = servedSchema('type Query { a: Int } type Subscription { other: Int }');
    const operation = preparedOperation('subscription { other }', { schema, principal: principal() });
    expect(() => hub.register(operation)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBSCRIPTION_NOT_SERVED' }) }));
  });
});
