import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import Redis from 'ioredis';
import { RedisApqCache } from '../src/persisted-operations/apq-cache';
import { sha256Hex } from '../src/persisted-operations/persisted-operation';
import { eventually, recordingLogger } from './persisted-fixtures';

describe('APQ cache without Redis', () => {
  it('reads a Redis failure as a miss, so the client resends the document instead of the request failing', async () => {
    // Nothing listens on port 1; the client gives up at once instead of queueing the command.
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const { logger, lines } = recordingLogger();
    try {
      expect(await new RedisApqCache(client, { logger }).get('apq:abc')).toBeUndefined();
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'APQ cache unavailable; the lookup counts as a miss' }));
    } finally {
      client.disconnect();
    }
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  console.warn('Redis APQ cache tests skipped: REDIS_URL is not set');
}
(redisUrl ? describe : describe.skip)('APQ cache in Redis, shared by gateway replicas', () => {
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

  it('stores under its prefix with a TTL, reads back, and deletes', async () => {
    const client = connect();
    const cache = new RedisApqCache(client, { prefix, ttlSeconds: 120, logger: recordingLogger().logger });
    await cache.set('apq:one', '{ users { totalCount } }');
    expect(await cache.get('apq:one')).toBe('{ users { totalCount } }');
    expect(await client.get(`${prefix}apq:one`)).toBe('{ users { totalCount } }');
    const ttl = await client.ttl(`${prefix}apq:one`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);

    await cache.set('apq:two', 'x', { ttl: 5 });
    expect(await client.ttl(`${prefix}apq:two`)).toBeLessThanOrEqual(5);
    await cache.set('apq:three', 'y', { ttl: null });
    expect(await client.ttl(`${prefix}apq:three`)).toBe(-1);

    expect(await cache.delete('apq:one')).toBe(true);
    expect(await cache.get('apq:one')).toBeUndefined();
    expect(await cache.delete('apq:one')).toBe(false);
  });

  it('lets one Apollo Server answer a hash another one registered', async () => {
    const server = () =>
      new ApolloServer({
        typeDefs: 'type Query { hello: String }',
        resolvers: { Query: { hello: () => 'world' } },
        persistedQueries: { cache: new RedisApqCache(connect(), { prefix, logger: recordingLogger().logger }) },
      });
    const [first, second] = [server(), server()];
    await Promise.all([first.start(), second.start()]);
    try {
      const query = `{ hello } # ${randomUUID()}`;
      const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
      const unknown = await second.executeOperation({ extensions });
      expect(unknown.body).toMatchObject({ kind: 'single', singleResult: { errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] } });

      const registered = await first.executeOperation({ query, extensions });
      expect(registered.body).toMatchObject({ kind: 'single', singleResult: { data: { hello: 'world' } } });
      // Apollo Server writes the registration without waiting for it.
      const key = `${prefix}apq:${sha256Hex(query)}`;
      await eventually(async () => (await clients[0].exists(key)) === 1);

      const hit = await second.executeOperation({ extensions });
      expect(hit.body).toMatchObject({ kind: 'single', singleResult: { data: { hello: 'world' } } });
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
