import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsServerOptions } from '../../lib/nats-url';
import { sampleEvents } from '../../examples/ocsf/samples';
import { eventSubject } from '../../lib/ingestion/jetstream';
import { deleteTestStreams, testJetStreamSettings } from '../../lib/ingestion/test-jetstream';
import { deadLetterFileOf, NatsDeadLetters, type DeadLetterLine } from '../../lib/ingestion/dead-letters';
import { startGraph, type Graph } from '../../test/support/graph';
import { listDeadLetters, replayDeadLetters } from '../src/dead-letters';
import { eventually } from '../../test/support/raw-http';
import { ingestToken, postEvents, startIngest } from './support';

const [device] = sampleEvents(5001);
/** A valid event as a dead letter of an earlier failure whose cause has since been fixed. */
const recovered = { ...device, metadata: { uid: 'recovered-1' }, device: { ...device.device, uid: 'recovered-device', name: 'recovered' } };

describe('npm run dead-letters, on the embedded path (the dead-letter file)', () => {
  let graph: Graph;
  let env: Record<string, string>;

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0.05, ingestion: { transport: 'http', maxDeliver: 2 } });
    env = {
      PALISADE_DATA_DIR: graph.gatewayEnv.PALISADE_DATA_DIR,
      PRINCIPAL_SECRET: graph.gatewayEnv.PRINCIPAL_SECRET,
      SUBGRAPH_IDENTITY_URL: graph.subgraphUrls.identity,
      SUBGRAPH_ASSETS_URL: graph.subgraphUrls.assets,
      SUBGRAPH_INCIDENTS_URL: graph.subgraphUrls.incidents,
    };
  });

  afterAll(async () => {
    await graph?.close();
  });

  it('lists the dead letters, replays them, and keeps the ones that fail again with their new reason', async () => {
    const ingest = await startIngest(graph);
    try {
      const [, dana] = sampleEvents(5003);
      await postEvents(ingest.eventsUrl, await ingestToken(graph), [dana]);
      // Sent with globex's token, acme's user can never be written: it ends in the dead letters.
      await postEvents(ingest.eventsUrl, await ingestToken(graph, 'globex'), [dana]);
    } finally {
      await ingest.close();
    }
    const line: DeadLetterLine = { deadLetter: { classUid: 5001, tenant: 'acme', code: 'DEAD_LETTERED', reason: 'failed 5 times: the store was refusing', deliveries: 5, consumer: 'assets-5001', failedAt: new Date().toISOString() }, event: recovered };
    appendFileSync(deadLetterFileOf(env), `${JSON.stringify(line)}\n`);

    expect((await listDeadLetters(env)).map(({ where, classUid, tenant, code }) => ({ where, classUid, tenant, code }))).toEqual([
      { where: 'line 1', classUid: 5003, tenant: 'globex', code: 'DEAD_LETTERED' },
      { where: 'line 2', classUid: 5001, tenant: 'acme', code: 'DEAD_LETTERED' },
    ]);
    expect(await listDeadLetters(env, { tenant: 'acme' })).toHaveLength(1);

    expect(await replayDeadLetters(env)).toEqual({ replayed: 1, failedAgain: 1 });
    expect((await graph.request('{ asset(uid: "recovered-device") { name } }')).body.data).toEqual({ asset: { name: 'recovered' } });
    const left = await listDeadLetters(env);
    expect(left).toEqual([expect.objectContaining({ classUid: 5003, tenant: 'globex', code: 'DEAD_LETTERED', reason: expect.stringContaining('taken by another tenant') })]);
    expect(readFileSync(deadLetterFileOf(env), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('replays nothing, and says so, when there are no dead letters', async () => {
    const empty = { ...env, PALISADE_DATA_DIR: `${env.PALISADE_DATA_DIR}/nothing-here` };
    expect(await replayDeadLetters(empty)).toEqual({ replayed: 0, failedAgain: 0 });
    expect(await listDeadLetters(empty)).toEqual([]);
    expect(existsSync(deadLetterFileOf(empty))).toBe(false);
  });
});

const suite = 'npm run dead-letters, on NATS (the dead-letter stream)';
const settings = testJetStreamSettings(suite);
(settings ? describe : describe.skip)(suite, () => {
  let graph: Graph;
  let env: Record<string, string>;

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0, ingestion: { transport: 'nats', jetstream: settings! } });
    env = { NATS_URL: settings!.url, INGEST_STREAM: settings!.stream, INGEST_SUBJECT_PREFIX: settings!.subjectPrefix };
  });

  afterAll(async () => {
    await graph?.close();
    await deleteTestStreams(settings);
  });

  it('publishes a dead letter again to the subject it came from, where its consumer applies it, and removes it', async () => {
    const connection = await connect(natsServerOptions(settings!.url));
    try {
      await eventually(async () => (await listDeadLetters(env).catch(() => undefined)) !== undefined, 20_000);
      const subject = eventSubject(settings!, 5001, 'acme');
      await new NatsDeadLetters(jetstream(connection), settings!).write({
        classUid: 5001,
        tenant: 'acme',
        code: 'DEAD_LETTERED',
        reason: 'failed 5 times: the store was refusing',
        deliveries: 5,
        consumer: 'assets-5001',
        id: 'test-1',
        data: Buffer.from(JSON.stringify(recovered)),
        subject,
      });
      const [listed] = await listDeadLetters(env, { classUid: 5001 });
      expect(listed).toMatchObject({ where: `${settings!.stream}_DEAD#1`, tenant: 'acme', code: 'DEAD_LETTERED', deliveries: 5, reason: 'failed 5 times: the store was refusing', event: recovered });
      expect(await replayDeadLetters(env)).toEqual({ replayed: 1, failedAgain: 0 });
      expect(await listDeadLetters(env)).toEqual([]);
      await eventually(async () => (await graph.request('{ asset(uid: "recovered-device") { name } }')).body.data?.asset !== null, 20_000);
    } finally {
      await connection.close();
    }
  });
});
