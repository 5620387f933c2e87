import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { principal, servedSchema, testPipeline, usePrincipal } from '../pipeline/test-fixtures';
import { memoryApqStore, redisApqStore } from './apq-store';
import { sha256Hex } from './persisted-operation';
import { eventually, recordingLogger } from './test-fixtures';
import { usePersistedOperations } from '.';

describe('APQ store in memory', () => {
  it('reads back what was registered, and nothing else', async () => {
    const store = memoryApqStore(60);
    await store.set('abc', '{ users { totalCount } }');
    expect(await store.get('abc')).toBe('{ users { totalCount } }');
    expect(await store.get('abd')).toBeUndefined();
  });

  it('keeps at most maxEntries documents, the least recently used leaving first', async () => {
    const store = memoryApqStore(60, 2);
    await store.set('a', '{ a }');
    await store.set('b', '{ b }');
    await store.get('a');
    await store.set('c', '{ c }');
    expect([await store.get('a'), await store.get('b'), await store.get('c')]).toEqual(['{ a }', undefined, '{ c }']);
  });

  it('forgets a document once its TTL has passed', async () => {
    const store = memoryApqStore(0.05);
    await store.set('a', '{ a }');
    expect(await store.get('a')).toBe('{ a }');
    await eventually(async () => (await store.get('a')) === undefined, 2000);
  });
});

describe('APQ store without Redis', () => {
  it('reads a Redis failure as a miss, so the client resends the document instead of the request failing', async () => {
    // Nothing listens on port 1; the client gives up at once instead of queueing the command.
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const { logger, lines } = recordingLogger();
    try {
      const store = redisApqStore(client, 60, logger);
      expect(await store.get('abc')).toBeUndefined();
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'APQ store unavailable; the lookup counts as a miss' }));
      // A registration that fails is the caller's to log: the answer to the client does not wait for it.
      await expect(store.set('abc', '{ a }')).rejects.toThrow();
    } finally {
      client.disconnect();
    }
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  console.warn('Redis APQ store tests skipped: REDIS_URL is not set');
}
(redisUrl ? describe : describe.skip)('APQ store in Redis, shared by gateway replicas', () => {
  const clients: Redis[] = [];
  const prefix = `palisade:test:${randomUUID()}:`;
  const connect = () => {
    const client = new Redis(redisUrl!);
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    const [client] = clients;
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('stores under its prefix with the TTL, and reads back', async () => {
    const client = connect();
    const store = redisApqStore(client, 120, recordingLogger().logger, prefix);
    await store.set('one', '{ users { totalCount } }');
    expect(await store.get('one')).toBe('{ users { totalCount } }');
    expect(await client.get(`${prefix}one`)).toBe('{ users { totalCount } }');
    const ttl = await client.ttl(`${prefix}one`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await store.get('two')).toBeUndefined();
  });

  it('lets one gateway replica answer a hash another one registered', async () => {
    const schema = servedSchema('type Query { hello: String }');
    const replica = () =>
      testPipeline({
        schema,
        rootValue: { hello: 'world' },
        plugins: [
          usePrincipal(principal({ kind: 'script' })),
          usePersistedOperations({ path: undefined, mode: 'off', users: 'any', apqTtlSeconds: 60 }, redisApqStore(connect(), 60, recordingLogger().logger, prefix), recordingLogger().logger),
        ],
      });
    const [first, second] = [replica(), replica()];
    const query = `{ hello } # ${randomUUID()}`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
    const unknown = await second.run({ extensions });
    expect(unknown).toMatchObject({ status: 200, body: { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] } });

    const registered = await first.run({ query, extensions });
    expect(registered.body).toEqual({ data: { hello: 'world' } });
    // The registration is written without the answer waiting for it.
    await eventually(async () => (await clients[0].exists(`${prefix}${sha256Hex(query)}`)) === 1);

    const hit = await second.run({ extensions });
    expect(hit).toMatchObject({ status: 200, body: { data: { hello: 'world' } } });
  });
});
