import { createServer } from 'node:net';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsServerOptions } from '../../lib/nats-url';
import { sampleEvents, sampleLines } from '../../examples/ocsf/samples';
import { eventSubject, readDeadLetters, type JetStreamSettings } from '../../lib/ingestion/jetstream';
import { deleteTestStreams, testJetStreamSettings } from '../../lib/ingestion/test-jetstream';
import { startGraph, type Graph } from '../../test/support/graph';
import { ingestToken, postEvents, SAMPLE_ANSWER, SAMPLE_QUERY, startIngest, type StartedIngest } from './support';

const suite = 'ingest over NATS JetStream';
const settings = testJetStreamSettings(suite, { maxDeliver: 2 });
const describeWithNats = settings ? describe : describe.skip;

function natsEnv(jetstreamSettings: JetStreamSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NATS_URL: jetstreamSettings.url,
    INGEST_STREAM: jetstreamSettings.stream,
    INGEST_SUBJECT_PREFIX: jetstreamSettings.subjectPrefix,
    INGEST_MAX_DELIVER: String(jetstreamSettings.maxDeliver),
    ...extra,
  };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The NATS path end to end: the intake publishes to the local NATS server, identity and assets consume their
 * classes with durable consumers and write, the gateway shows the result. Streams and consumers have names of
 * their own per run and are deleted afterwards.
 */
describeWithNats(suite, () => {
  let graph: Graph;
  let ingest: StartedIngest;
  let connection: NatsConnection;
  let jsm: JetStreamManager;
  let token: string;

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0.05, ingestion: { transport: 'nats', jetstream: settings! } });
    ingest = await startIngest(graph, natsEnv(settings!));
    token = await ingestToken(graph);
    connection = await connect(natsServerOptions(settings!.url));
    jsm = await jetstreamManager(connection);
    await eventually(() => fetch(`${ingest.origin}/readyz`).then((r) => r.status), (status) => status === 200, 'the intake is connected');
    for (const name of ['identity', 'assets', 'incidents'] as const) {
      const readyz = `${new URL(graph.subgraphUrls[name]).origin}/readyz`;
      await eventually(() => fetch(readyz).then((r) => r.json() as Promise<{ checks: Record<string, string> }>), (body) => body.checks.ingestion === 'consuming', `${name} consumes`);
    }
  });

  afterAll(async () => {
    await ingest?.close();
    await graph?.close();
    await connection?.close();
    await deleteTestStreams(settings);
  });

  it('takes each class through the stream into its subgraph, and the gateway shows them', async () => {
    const response = await postEvents(ingest.eventsUrl, token, [...sampleLines(5003), ...sampleLines(5001), ...sampleLines(2002), ...sampleLines(2004)]);
    expect(response).toMatchObject({ status: 200, body: { accepted: 13, rejected: [] } });
    // Taken means stored in the stream; the consumers apply it moments later.
    const shown = await eventually(
      () => graph.request(SAMPLE_QUERY).then((r) => r.body.data),
      (data) => {
        try {
          expect(data).toEqual(SAMPLE_ANSWER);
          return true;
        } catch {
          return false;
        }
      },
      'every sample is applied',
    );
    expect(shown).toEqual(SAMPLE_ANSWER);
    await eventually(() => jsm.streams.info(settings!.stream).then((info) => info.state.messages), (messages) => messages === 0, 'the work queue is empty');
  });

  it('stores a whole batch sent again once (the event id is the message id), and the state stays as it was', async () => {
    const before = await graph.request(SAMPLE_QUERY);
    const { state } = await jsm.streams.info(settings!.stream);
    const again = await postEvents(ingest.eventsUrl, token, [...sampleLines(5003), ...sampleLines(5001), ...sampleLines(2002), ...sampleLines(2004)]);
    expect(again.body).toEqual({ accepted: 13, rejected: [] });
    expect((await jsm.streams.info(settings!.stream)).state.last_seq).toBe(state.last_seq);
    expect((await graph.request(SAMPLE_QUERY)).body).toEqual(before.body);
  });

  it('applies what a producer publishes to the stream directly, for the tenant of the subject only', async () => {
    const [device] = sampleEvents(5001);
    const direct = { ...device, metadata: { uid: 'direct-1' }, device: { ...device.device, uid: 'direct-device', hostname: 'direct.globex.example', name: 'direct' } };
    await jetstream(connection).publish(eventSubject(settings!, 5001, 'globex'), JSON.stringify(direct), { msgID: 'direct-1' });
    const globex = await graph.token({ tenant: 'globex', sub: 'usr-globex-00001' });
    const shown = await eventually(
      () => graph.request('{ asset(uid: "direct-device") { name tenant } }', { token: globex }).then((r) => r.body.data?.asset),
      (asset) => asset !== null,
      'the directly published device is applied',
    );
    expect(shown).toEqual({ name: 'direct', tenant: 'globex' });
    expect((await graph.request('{ asset(uid: "direct-device") { name } }')).body.data).toEqual({ asset: null });
  });

  it('moves an event that keeps failing to the dead-letter stream after INGEST_MAX_DELIVER deliveries; the rest of its batch is applied', async () => {
    const [, dana] = sampleEvents(5003);
    const own = { ...dana, metadata: { uid: 'globex-own-nats' }, user: { uid: 'globex-own-nats', full_name: 'Globex Person' } };
    const response = await postEvents(ingest.eventsUrl, await ingestToken(graph, 'globex'), [dana, own]);
    // The intake takes both: it cannot know that acme has the uid; the identity consumer finds out.
    expect(response.body).toEqual({ accepted: 2, rejected: [] });
    const letters = await eventually(() => readDeadLetters(jsm, settings!), (found) => found.length === 1, 'the event is dead-lettered', 15_000);
    expect(letters[0]).toMatchObject({ classUid: 5003, tenant: 'globex', code: 'DEAD_LETTERED', deliveries: 2, consumer: 'identity-5003', subject: eventSubject(settings!, 5003, 'globex') });
    expect(letters[0].reason).toMatch(/^failed 2 times: .*taken by another tenant/);
    expect(JSON.parse(Buffer.from(letters[0].data).toString())).toEqual(dana);
    const globex = await graph.token({ tenant: 'globex', sub: 'usr-globex-00001' });
    expect((await graph.request('{ user(uid: "globex-own-nats") { name } }', { token: globex })).body.data).toEqual({ user: { name: 'Globex Person' } });
    const metrics = await (await fetch(ingest.metricsUrl)).text();
    expect(metrics).toMatch(/palisade_ingest_backlog_messages \d+/);
  });
});

describeWithNats(`${suite}: backpressure`, () => {
  const intake = unconsumedIntake('q', { INGEST_MAX_BACKLOG: '3' });

  it('slows producers with 429 and Retry-After once more events wait than INGEST_MAX_BACKLOG, instead of holding them', async () => {
    const token = await ingestToken(intake.graph);
    const devices = sampleEvents(5001);
    const first = await postEvents(intake.ingest.eventsUrl, token, [0, 1, 2, 3].map((n) => ({ ...devices[0], metadata: { uid: `wait-${n}` } })));
    expect(first.body).toEqual({ accepted: 4, rejected: [] });
    const refused = await eventually(() => postEvents(intake.ingest.eventsUrl, token, [{ ...devices[1], metadata: { uid: 'wait-5' } }]), (response) => response.status === 429, 'the backlog is seen');
    expect(refused.headers.get('retry-after')).toBe('5');
    // Requests sent before the intake read the backlog again were still taken: the bound is checked each second.
    expect(refused.body.error).toEqual({ code: 'BACKPRESSURE', message: expect.stringMatching(/^[4-9] events are waiting to be applied; send the batch again after 5 s$/) });
    const readyz = (await (await fetch(`${intake.ingest.origin}/readyz`)).json()) as { checks: Record<string, string> };
    expect(readyz.checks.backlog).toMatch(/^[4-9] of 3$/);
  });
});

describeWithNats(`${suite}: a full stream`, () => {
  // It holds 2 events: the third finds it full.
  const intake = unconsumedIntake('full', { INGEST_STREAM_MAX_MESSAGES: '2' });

  it('answers 429 BACKPRESSURE with Retry-After once the stream holds INGEST_STREAM_MAX_MESSAGES events', async () => {
    const token = await ingestToken(intake.graph);
    const [device] = sampleEvents(5001);
    const numbered = (n: number) => ({ ...device, metadata: { uid: `full-${n}` } });
    expect((await postEvents(intake.ingest.eventsUrl, token, [numbered(1), numbered(2)])).body).toEqual({ accepted: 2, rejected: [] });
    const refused = await postEvents(intake.ingest.eventsUrl, token, [numbered(3)]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body).toEqual({ error: { code: 'BACKPRESSURE', message: 'the event stream is full; send the batch again after 5 s' } });
  });
});

describe('ingest over NATS JetStream: NATS cannot be reached', () => {
  let graph: Graph;
  let ingest: StartedIngest;

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0 });
    ingest = await startIngest(graph, { NATS_URL: `nats://127.0.0.1:${await closedLoopbackPort()}` });
  });

  afterAll(async () => {
    await ingest?.close();
    await graph?.close();
  });

  it('answers 503 NATS_UNAVAILABLE with Retry-After', async () => {
    const response = await postEvents(ingest.eventsUrl, await ingestToken(graph), sampleLines(5001));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.body).toEqual({ error: { code: 'NATS_UNAVAILABLE', message: 'the event stream is not reachable yet; send the batch again later' } });
  });
});

/** A loopback port nothing listens on: one the system gave out a moment ago and that was closed again. */
/**
 * An intake on a stream of its own (named by `suffix`) that no subgraph consumes: every event waits, as when the
 * stores fall behind. Started before the suite's tests; stopped, and its streams deleted, after them.
 */
function unconsumedIntake(suffix: string, env: Record<string, string>): { graph: Graph; ingest: StartedIngest } {
  // Without NATS the suite is skipped, and its hooks never run.
  const own = settings && { ...settings, stream: `${settings.stream}_${suffix.toUpperCase()}`, subjectPrefix: `${settings.subjectPrefix}-${suffix}` };
  const intake = {} as { graph: Graph; ingest: StartedIngest };
  beforeAll(async () => {
    intake.graph = await startGraph({ demoDataScale: 0 });
    intake.ingest = await startIngest(intake.graph, natsEnv(own!, env));
    await eventually(() => fetch(`${intake.ingest.origin}/readyz`).then((r) => r.status), (status) => status === 200, 'the intake is connected');
  });
  afterAll(async () => {
    await intake.ingest?.close();
    await intake.graph?.close();
    await deleteTestStreams(own);
  });
  return intake;
}

async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
