import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsServerOptions } from '../../../lib/nats-url';
import pino from 'pino';
import { Registry } from 'prom-client';
import { eventSubject, readDeadLetters, type JetStreamSettings } from '../../../lib/ingestion/jetstream';
import { deleteTestStreams, testJetStreamSettings } from '../../../lib/ingestion/test-jetstream';
import { NatsDeadLetters } from '../../../lib/ingestion/dead-letters';
import { IngestionMetrics } from '../metrics';
import { NatsEventConsumer } from '../nats-consumer';
import { deviceEvent, RecordingWriter } from './recording-writer';

const logger = pino({ level: 'silent' });
const suite = 'NATS event consumer';
const base = testJetStreamSettings(suite);
const describeWithNats = base ? describe : describe.skip;

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeWithNats(suite, () => {
  let connection: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const created: JetStreamSettings[] = [];
  const running: Array<NatsEventConsumer<5001>> = [];

  beforeAll(async () => {
    connection = await connect(natsServerOptions(base!.url));
    js = jetstream(connection);
    jsm = await jetstreamManager(connection);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(created.splice(0).map((settings) => deleteTestStreams(settings)));
  });

  afterAll(async () => {
    await connection?.close();
  });

  /** A fresh stream per test, and a consumer of class 5001 on it. */
  async function consumerOn(writer: RecordingWriter, overrides: Partial<JetStreamSettings> = {}, options: { batchSize?: number; ackWaitMs?: number; settings?: JetStreamSettings } = {}) {
    const settings = options.settings ?? testJetStreamSettings(suite, overrides)!;
    if (!options.settings) created.push(settings);
    const metrics = new IngestionMetrics(new Registry());
    const consumer = new NatsEventConsumer({
      service: 'assets',
      classUid: 5001,
      writer,
      connection,
      settings,
      deadLetters: new NatsDeadLetters(js, settings),
      metrics,
      logger,
      batchSize: options.batchSize,
      ackWaitMs: options.ackWaitMs,
    });
    running.push(consumer);
    await consumer.start();
    return { consumer, settings, metrics };
  }

  async function publish(settings: JetStreamSettings, events: unknown[], tenant = 'acme'): Promise<void> {
    await Promise.all(events.map((event, n) => js.publish(eventSubject(settings, 5001, tenant), typeof event === 'string' ? event : JSON.stringify(event), { msgID: `test-${n}` })));
  }

  it('applies every event once, in batches, and leaves the work queue empty', async () => {
    const writer = new RecordingWriter();
    const { settings, metrics } = await consumerOn(writer, {}, { batchSize: 50 });
    await publish(settings, Array.from({ length: 200 }, (_, n) => deviceEvent(n)));
    await until(() => writer.applied.size === 200, 'all 200 events are applied');
    expect(writer.appliedTwice).toEqual([]);
    expect(Math.max(...writer.batchSizes)).toBeLessThanOrEqual(50);
    expect(writer.batchSizes.length).toBeLessThan(200);
    await until(async () => (await jsm.streams.info(settings.stream)).state.messages === 0, 'the stream is empty');
    expect((await metrics.events.get()).values.find((v) => v.labels.outcome === 'applied')?.value).toBe(200);
  });

  it('moves an invalid event to the dead letters at once, with its code and reason, and applies the rest of the batch', async () => {
    const writer = new RecordingWriter();
    const { settings } = await consumerOn(writer);
    const missingUid = { ...deviceEvent(2), device: { hostname: 'nameless' } };
    await publish(settings, [deviceEvent(1), missingUid, '{not json', deviceEvent(3)]);
    await until(() => writer.applied.size === 2, 'the two valid events are applied');
    await until(async () => (await readDeadLetters(jsm, settings)).length === 2, 'two dead letters are written');
    const letters = await readDeadLetters(jsm, settings);
    expect(letters.map(({ classUid, tenant, code, reason, deliveries, consumer }) => ({ classUid, tenant, code, reason, deliveries, consumer }))).toEqual([
      { classUid: 5001, tenant: 'acme', code: 'MISSING_FIELD', reason: "device.uid is required: the device's unique id, which Palisade keys it by", deliveries: 1, consumer: 'assets-5001' },
      { classUid: 5001, tenant: 'acme', code: 'MALFORMED_JSON', reason: 'the line is not a JSON object: each line holds one OCSF event', deliveries: 1, consumer: 'assets-5001' },
    ]);
    expect(JSON.parse(Buffer.from(letters[0].data).toString())).toEqual(missingUid);
    expect(letters[0].subject).toBe(eventSubject(settings, 5001, 'acme'));
    await until(async () => (await jsm.streams.info(settings.stream)).state.messages === 0, 'nothing is left to deliver again');
  });

  it('delivers an event the store refuses again, and after INGEST_MAX_DELIVER deliveries moves it to the dead letters; the others are applied at once', async () => {
    const writer = new RecordingWriter();
    writer.poisoned.add('device-2');
    const { settings, metrics } = await consumerOn(writer, { maxDeliver: 2 });
    await publish(settings, [deviceEvent(1), deviceEvent(2), deviceEvent(3)]);
    await until(() => writer.applied.size === 2, 'the good events are applied');
    await until(async () => (await readDeadLetters(jsm, settings)).length === 1, 'the poison event is dead-lettered', 15_000);
    const [letter] = await readDeadLetters(jsm, settings);
    expect(letter).toMatchObject({ code: 'DEAD_LETTERED', deliveries: 2, reason: 'failed 2 times: Error: the test store refuses device device-2' });
    expect((await metrics.deadLetters.get()).values).toEqual([expect.objectContaining({ labels: { class: '5001', code: 'DEAD_LETTERED' }, value: 1 })]);
    // Replayed by an operator once the cause is fixed, it is applied like any other.
    writer.poisoned.clear();
    await js.publish(letter.subject!, letter.data, { msgID: `replay-${letter.sequence}` });
    await until(() => writer.applied.has('event-2'), 'the replayed event is applied');
  });

  it('holds the batch while the store is unavailable, without using up deliveries, then applies it', async () => {
    const writer = new RecordingWriter();
    writer.unavailableCalls = 3;
    const { settings, consumer } = await consumerOn(writer, { maxDeliver: 1 });
    await publish(settings, [deviceEvent(1), deviceEvent(2)]);
    await until(() => consumer.state === 'holding', 'the consumer holds the batch');
    await until(() => writer.applied.size === 2, 'both events are applied once the store answers');
    expect(await readDeadLetters(jsm, settings)).toEqual([]);
    expect(consumer.state).toBe('consuming');
  });

  it('restarted in the middle of a stream, loses nothing and applies nothing twice', async () => {
    const writer = new RecordingWriter();
    // Long enough that no batch outlasts the acknowledgement wait on a busy machine (JetStream would then deliver
    // its events again while they are being applied, as at-least-once allows). The events the first consumer had
    // fetched but not begun it hands back when it stops, so the second need not wait for that.
    const ackWaitMs = 5000;
    const first = await consumerOn(writer, {}, { batchSize: 10, ackWaitMs });
    const events = Array.from({ length: 300 }, (_, n) => deviceEvent(n));
    await publish(first.settings, events);
    await until(() => writer.applied.size >= 50, 'the first consumer has applied some');
    await first.consumer.stop();
    const appliedByFirst = writer.applied.size;
    expect(appliedByFirst).toBeLessThan(300);
    // A new process with the same durable consumer picks up where the first stopped.
    await consumerOn(writer, {}, { batchSize: 10, ackWaitMs, settings: first.settings });
    await until(() => writer.applied.size === 300, 'every event is applied');
    expect(writer.appliedTwice).toEqual([]);
    expect(await readDeadLetters(jsm, first.settings)).toEqual([]);
  });

  it('takes the tenant from the subject: an event naming another tenant is refused', async () => {
    const writer = new RecordingWriter();
    const { settings } = await consumerOn(writer);
    await publish(settings, [{ ...deviceEvent(1), metadata: { uid: 'spoof', tenant_uid: 'acme' } }], 'globex');
    await until(async () => (await readDeadLetters(jsm, settings)).length === 1, 'the spoofing event is dead-lettered');
    expect((await readDeadLetters(jsm, settings))[0]).toMatchObject({ tenant: 'globex', code: 'TENANT_MISMATCH' });
    expect(writer.applied.size).toBe(0);
  });
});

afterAll(async () => {
  await deleteTestStreams(base);
});
