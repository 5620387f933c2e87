import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { ConfigError } from '../../errors';
import { changeSubject, NatsChanges, subjectToken } from '../nats';
import { captureLogger, changeEvent, eventually, Received } from './support';

/**
 * The NATS JetStream transport against a real server (NATS_URL). Every test makes its own stream and subject
 * prefix from a random run id and deletes the stream afterwards, so runs never see each other's events.
 */

const natsUrl = process.env.NATS_URL;
if (!natsUrl) console.warn('NATS JetStream change transport tests skipped: NATS_URL is not set (CI sets nats://127.0.0.1:4222)');

const run = randomBytes(4).toString('hex');
let serial = 0;

describe('subject encoding', () => {
  test('tokens hold no dot, wildcard or whitespace, and distinct values stay distinct', () => {
    const awkward = ['acme corp.*>', 'a.b', 'a%2Eb', 'tab\there', 'ünïcode', '$SYS', '>', '*', 'a b'];
    const tokens = awkward.map(subjectToken);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_%-]+$/);
    expect(new Set(tokens).size).toBe(awkward.length);
    expect(subjectToken('acme')).toBe('acme');
    expect(subjectToken('globex-eu_1')).toBe('globex-eu_1');
    expect(subjectToken('a.b')).toBe('a%2Eb');
    expect(subjectToken('a%2Eb')).toBe('a%252Eb');
    expect(changeSubject('palisade.changes', 'acme corp.*>', 'incidentChanged')).toBe('palisade.changes.acme%20corp%2E%2A%3E.incidentChanged');
    expect(() => subjectToken('')).toThrow(TypeError);
  });
});

describe('connecting', () => {
  test('a server that cannot be reached is a ConfigError naming NATS_URL, without the password', async () => {
    const closedPort = await freePort();
    const { logger } = captureLogger();
    const attempt = NatsChanges.connect({ url: `nats://user:hunter2@127.0.0.1:${closedPort}`, logger, connectTimeoutMs: 2_000 });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    const error = (await attempt.catch((caught: unknown) => caught)) as ConfigError;
    expect(error.variable).toBe('NATS_URL');
    expect(error.message).toMatch(new RegExp(`^NATS_URL: could not connect to NATS at nats://\\[redacted\\]@127.0.0.1:${closedPort}`));
    expect(error.message).not.toContain('hunter2');
  });
});

(natsUrl ? describe : describe.skip)('NATS JetStream change transport', () => {
  const url = natsUrl as string;
  let admin: NatsConnection;
  let manager: JetStreamManager;
  const open: NatsChanges[] = [];
  const streams: string[] = [];

  beforeAll(async () => {
    admin = await connectNats({ servers: url });
    manager = await jetstreamManager(admin);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((changes) => changes.close()));
    for (const stream of streams.splice(0)) await manager.streams.delete(stream).catch(() => undefined);
  });

  afterAll(async () => {
    await admin?.close();
  });

  /** A fresh stream and prefix for one test. */
  function names(): { stream: string; subjectPrefix: string } {
    serial++;
    const stream = `PALISADE_TEST_${run}_${serial}`;
    streams.push(stream);
    return { stream, subjectPrefix: `palisade.test${run}x${serial}.changes` };
  }

  async function connect(options: { stream: string; subjectPrefix: string }, logger = captureLogger().logger, server = url): Promise<NatsChanges> {
    const changes = await NatsChanges.connect({ url: server, logger, ...options });
    open.push(changes);
    return changes;
  }

  test('creates the stream on file storage with a bounded age and a duplicate window', async () => {
    const options = names();
    await connect({ ...options });
    const { config } = await manager.streams.info(options.stream);
    expect(config.subjects).toEqual([`${options.subjectPrefix}.>`]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.max_age).toBe(3600 * 1e9);
    expect(config.duplicate_window).toBe(120 * 1e9);
  });

  test('a subscriber hears what is published after it subscribed, and nothing from before', async () => {
    const options = names();
    const publisher = await connect(options);
    const before = changeEvent();
    await publisher.publish(before);
    const gateway = await connect(options);
    const received = new Received();
    await gateway.subscribe(received.push);
    const after = [changeEvent(), changeEvent({ tenant: 'globex', field: 'deviceChanged', entity: 'dev-9' })];
    for (const event of after) await publisher.publish(event);
    await received.atLeast(2);
    expect(received.events).toEqual(after);
  });

  test('an event published twice is stored once and heard once', async () => {
    const options = names();
    const publisher = await connect(options);
    const gateway = await connect(options);
    const received = new Received();
    await gateway.subscribe(received.push);
    const event = changeEvent();
    const marker = changeEvent();
    await publisher.publish(event);
    // The outbox retries: the same event again, as a redelivered publish would be.
    await publisher.publish({ ...event });
    await publisher.publish({ ...event });
    await publisher.publish(marker);
    await received.atLeast(2);
    const { state } = await manager.streams.info(options.stream);
    expect(state.messages).toBe(2);
    expect(received.ids).toEqual([event.id, marker.id]);
  });

  test('order per entity is kept, and every gateway replica hears every event', async () => {
    const options = names();
    const publisher = await connect(options);
    const replicas = [await connect(options), await connect(options)];
    const heard = replicas.map(() => new Received());
    await Promise.all(replicas.map((replica, index) => replica.subscribe((heard[index] as Received).push)));
    const events = [];
    for (let sequence = 1; sequence <= 40; sequence++) {
      for (const entity of ['inc-1', 'inc-2', 'inc-3']) events.push(changeEvent({ entity, sequence }));
    }
    // Published without waiting for each acknowledgement: the order on the wire is the order stored.
    await Promise.all(events.map((event) => publisher.publish(event)));
    for (const received of heard) {
      await received.atLeast(events.length);
      expect(received.ids).toEqual(events.map((event) => event.id));
      for (const entity of ['inc-1', 'inc-2', 'inc-3']) {
        const sequences = received.events.filter((event) => event.entity === entity).map((event) => event.sequence);
        expect(sequences).toEqual([...Array(40).keys()].map((index) => index + 1));
      }
    }
  });

  test('an awkward tenant is published to its encoded subject and arrives intact', async () => {
    const options = names();
    const publisher = await connect(options);
    const gateway = await connect(options);
    const received = new Received();
    await gateway.subscribe(received.push);
    const tenant = 'acme corp.*> \t%';
    const field = 'incident.Changed';
    const subject = changeSubject(options.subjectPrefix, tenant, field);
    expect(publisher.subjectOf({ tenant, field })).toBe(subject);
    // A core subscription on that one tenant's subjects sees it: the tenant is one token, not several.
    const tenantSubjects = admin.subscribe(`${options.subjectPrefix}.${subjectToken(tenant)}.>`, { max: 1 });
    const seen = (async () => {
      for await (const message of tenantSubjects) return message.subject;
      return undefined;
    })();
    await admin.flush();
    const event = changeEvent({ tenant, field });
    await publisher.publish(event);
    await received.atLeast(1);
    expect(received.events).toEqual([event]);
    expect(await seen).toBe(subject);
  });

  test('what is not a ChangeEvent is dropped and logged at warn without its payload', async () => {
    const options = names();
    const publisher = await connect(options);
    const log = captureLogger();
    const gateway = await connect(options, log.logger);
    const received = new Received();
    await gateway.subscribe(received.push);
    const js = jetstream(admin);
    const subject = `${options.subjectPrefix}.acme.incidentChanged`;
    await js.publish(subject, 'not json: secret-payload-1');
    await js.publish(subject, JSON.stringify({ id: 'x', secret: 'secret-payload-2' }));
    const valid = changeEvent();
    await publisher.publish(valid);
    await received.atLeast(1);
    expect(received.events).toEqual([valid]);
    const dropped = log.lines.filter((line) => line.msg === 'change event dropped: not a ChangeEvent');
    expect(dropped).toHaveLength(2);
    for (const line of dropped) {
      expect(line.level).toBe(40);
      expect(line.subject).toBe(subject);
    }
    expect(log.raw.join('\n')).not.toContain('secret-payload');
  });

  test('a publish that cannot be stored rejects, so the outbox keeps the entry', async () => {
    const options = names();
    const publisher = await connect(options);
    await expect(publisher.publish({ ...changeEvent(), sequence: -1 })).rejects.toThrow(TypeError);
    await manager.streams.delete(options.stream);
    await expect(publisher.publish(changeEvent())).rejects.toThrow(new RegExp(`was not stored in ${options.stream}`));
  });

  test('an existing stream gets the configured age; a stream without the subjects is refused', async () => {
    const options = names();
    await manager.streams.add({ name: options.stream, subjects: [`${options.subjectPrefix}.>`], max_age: 60 * 1e9, duplicate_window: 30 * 1e9 });
    await connect({ ...options });
    const { config } = await manager.streams.info(options.stream);
    expect(config.max_age).toBe(3600 * 1e9);
    expect(config.duplicate_window).toBe(120 * 1e9);

    const other = names();
    await manager.streams.add({ name: other.stream, subjects: [`${other.subjectPrefix}.elsewhere`] });
    const attempt = NatsChanges.connect({ url, logger: captureLogger().logger, ...other });
    await expect(attempt).rejects.toThrow(/^NATS_URL: stream .* exists but does not hold/);
  });

  test('the subscriber keeps hearing events after its connection drops and the client reconnects', async () => {
    const options = names();
    const publisher = await connect(options);
    // The gateway reaches NATS through a proxy on loopback; cutting the proxy's sockets drops only this one
    // connection, as a network failure would, and restarts nothing.
    const proxy = await tcpProxy(new URL(url.split(',')[0] as string));
    try {
      const log = captureLogger();
      const gateway = await connect(options, log.logger, `nats://127.0.0.1:${proxy.port}`);
      const received = new Received();
      await gateway.subscribe(received.push);
      const first = changeEvent();
      await publisher.publish(first);
      await received.atLeast(1);

      expect(proxy.cut()).toBeGreaterThan(0);
      const during = [changeEvent(), changeEvent()];
      for (const event of during) await publisher.publish(event);
      await eventually(() => log.lines.some((line) => line.msg === 'NATS reconnected'), 'the client to reconnect');
      const after = changeEvent();
      await publisher.publish(after);
      await received.atLeast(4, 20_000);
      expect(log.lines.some((line) => line.msg === 'NATS disconnected; reconnecting')).toBe(true);
      expect(received.ids).toEqual([first, ...during, after].map((event) => event.id));
      await gateway.close();
    } finally {
      await proxy.close();
    }
  });

  test('close does not wait for a NATS that is gone', async () => {
    const options = names();
    const proxy = await tcpProxy(new URL(url.split(',')[0] as string));
    const log = captureLogger();
    const gateway = await NatsChanges.connect({ url: `nats://127.0.0.1:${proxy.port}`, logger: log.logger, ...options });
    await gateway.subscribe(() => undefined);
    await proxy.close();
    await eventually(() => log.lines.some((line) => line.msg === 'NATS disconnected; reconnecting'), 'the client to notice');
    const started = Date.now();
    await gateway.close();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('close drains and is safe to call twice; nothing is published after', async () => {
    const options = names();
    const changes = await NatsChanges.connect({ url, logger: captureLogger().logger, ...options });
    await changes.subscribe(() => undefined);
    const consumers = async () => (await manager.streams.info(options.stream)).state.consumer_count;
    expect(await consumers()).toBe(1);
    await Promise.all([changes.close(), changes.close()]);
    await changes.close();
    expect(await consumers()).toBe(0);
    await expect(changes.publish(changeEvent())).rejects.toThrow(/closed/);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy to `target` on a loopback port; `cut()` destroys every connection through it and keeps listening. */
async function tcpProxy(target: URL): Promise<{ port: number; cut: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 4222), target.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      return count;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
