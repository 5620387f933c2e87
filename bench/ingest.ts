// npm run bench -- --ingest: events per second from the intake to committed, and ingest-to-visible latency.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import { readJetStreamSettings, type JetStreamSettings } from '../lib/ingestion/jetstream';
import { deleteTestStreams } from '../lib/ingestion/test-jetstream';
import { listen } from '../lib/http-server';
import { createLogger } from '../lib/logger';
import { natsServerOptions } from '../lib/nats-url';
import { sampleEvents } from '../examples/ocsf/samples';
import { readIngestConfig } from '../ingest/src/config';
import { createIngestService, type IngestService } from '../ingest/src/server';
import { EmbeddedDocumentDatabase, type Document } from '../subgraph-kit/documents';
import type { SubgraphService } from '../subgraph-kit/define-subgraph';
import type { IngestionSettings } from '../subgraph-kit/ingestion';
import type { SqlDatabase } from '../subgraph-kit/sql/database';
import { createTestDatabase } from '../subgraph-kit/sql/test-database';
import { ASSETS_COLLECTION } from '../subgraphs/assets/src/data/asset-document';
import { createAssetsService } from '../subgraphs/assets/src/server';
import { createIdentityService } from '../subgraphs/identity/src/server';
import { INCIDENTS_COLLECTION } from '../subgraphs/incidents/src/data/incident-document';
import { createIncidentsService } from '../subgraphs/incidents/src/server';
import { SAMPLE_MANIFEST_PATH, prepareTokenAndJwks, startPalisade } from './gateways';
import type { GatewayProcess } from './gateway-process';
import type { BenchOptions } from './options';
import { round } from './measure';
import { BENCH_PRINCIPAL } from './principal-data-source';
import { machine, writeJson } from './report';
import { listed } from './targets';
import { readManifest } from './workloads';

/** Events in one request: the intake's default bound (INGEST_MAX_EVENTS). */
const BATCH = 1000;
/** Requests in flight at once during a throughput run. */
const POSTERS = 4;
/** How often a latency probe is sent, and how often the gateway is asked whether it shows it yet. */
const PROBE_INTERVAL_MS = 250;
const POLL_INTERVAL_MS = 10;

type Transport = 'http' | 'nats';
type ClassUid = 5001 | 5003 | 2004;
const CLASSES: Array<{ classUid: ClassUid; store: string }> = [
  { classUid: 5001, store: 'assets, document store' },
  { classUid: 2004, store: 'incidents, document store' },
  { classUid: 5003, store: 'identity, PostgreSQL' },
];

interface Throughput {
  transport: Transport;
  classUid: ClassUid;
  store: string;
  events: number;
  /** From the first post to the last event committed (HTTP: applied when answered; NATS: the work queue empty). */
  seconds: number;
  /** From the first post to the intake's last answer (NATS: stored in the stream). */
  acceptedSeconds: number;
  eventsPerSecond: number;
  /** Stored at the end, counted in the stores (or through the gateway): equal to `events` when nothing was lost or applied twice. */
  stored: number;
  retriedRequests: number;
}

interface Latency {
  transport: Transport;
  /** Background load meanwhile: Device Inventory Info at half the measured rate. */
  backgroundEventsPerSecond: number;
  probes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests (probes and background) answered 429 or 503 and sent again after Retry-After. */
  retriedRequests: number;
}

/** The services of one transport: the three subgraphs and the intake in this process, the gateway in a child. */
interface Stack {
  ingest: IngestService;
  eventsUrl: string;
  gateway: GatewayProcess;
  identity: SqlDatabase;
  assets: EmbeddedDocumentDatabase;
  incidents: EmbeddedDocumentDatabase;
  jetstream?: JetStreamSettings;
  close(): Promise<void>;
}

export async function runIngest(options: BenchOptions, progress: (message: string) => void): Promise<void> {
  const transports: Transport[] = process.env.NATS_URL ? ['http', 'nats'] : ['http'];
  if (!process.env.NATS_URL) progress('NATS_URL is not set: the NATS path is skipped (set it to the local NATS to measure it)');
  const workDir = mkdtempSync(join(tmpdir(), 'palisade-bench-ingest-'));
  const run = randomBytes(4).toString('hex');
  const throughput: Throughput[] = [];
  const latency: Latency[] = [];
  try {
    const { token } = await prepareTokenAndJwks(workDir);
    const ingestToken = await signDevelopmentToken({ directory: workDir, sub: 'bench-producer', tenant: BENCH_PRINCIPAL.tenant, scopes: ['ingest:write'], kind: 'script', clientId: 'bench-producer', expiresIn: '24h' });
    for (const transport of transports) {
      progress(`${transport}: starting identity (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}), assets, incidents and the intake in this process, the gateway in a child`);
      const stack = await startStack(transport, workDir, `${run}${transport}`);
      try {
        // Untimed: the first requests of each class compile the code paths the timed ones take.
        for (const { classUid } of CLASSES) await postAll(stack.eventsUrl, ingestToken, generate(classUid, 1000, `${run}-${transport}-warmup`));
        if (stack.jetstream) await drained(stack.jetstream);
        for (const { classUid, store } of CLASSES) {
          const events = generate(classUid, options.events, `${run}-${transport}`);
          progress(`${transport}: ${events.length} events of class ${classUid} (${store}) in requests of ${BATCH}, ${POSTERS} at once`);
          const started = performance.now();
          const retriedRequests = await postAll(stack.eventsUrl, ingestToken, events);
          const acceptedSeconds = (performance.now() - started) / 1000;
          if (stack.jetstream) await drained(stack.jetstream);
          const seconds = (performance.now() - started) / 1000;
          const stored = await countStored(stack, classUid, `${run}-${transport}`);
          throughput.push({ transport, classUid, store, events: events.length, seconds: round(seconds, 2), acceptedSeconds: round(acceptedSeconds, 2), eventsPerSecond: Math.round(events.length / seconds), stored, retriedRequests });
          progress(`  ${Math.round(events.length / seconds)} events/s to committed (all accepted after ${round(acceptedSeconds, 2)} s); ${stored} stored${stored === events.length ? '' : ` of ${events.length}: NOT EQUAL`}`);
        }
        const deviceRate = throughput.find((t) => t.transport === transport && t.classUid === 5001)!.eventsPerSecond;
        latency.push(await measureLatency(stack, transport, ingestToken, token, Math.max(10, Math.round(deviceRate / 2)), options.durationSeconds, `${run}-${transport}`, progress));
      } finally {
        await stack.close();
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const results = { kind: 'ingest', date: new Date().toISOString(), machine: { ...machine(), loadAverage: (await import('node:os')).loadavg().map((l) => round(l, 2)) }, identityStore: process.env.DATABASE_URL ? 'postgresql' : 'pglite', throughput, latency };
  const path = writeJson('ingest.json', results);
  process.stdout.write(`\n${formatIngest(throughput, latency)}\n\nResults: ${path}\n`);
}

function formatIngest(throughput: Throughput[], latency: Latency[]): string {
  const lines = [`${'path'.padEnd(6)}${'class'.padEnd(8)}${'store'.padEnd(28)}${'events'.padStart(8)}${'accepted s'.padStart(12)}${'committed s'.padStart(13)}${'events/s'.padStart(10)}${'stored'.padStart(8)}`];
  for (const t of throughput) lines.push(`${t.transport.padEnd(6)}${String(t.classUid).padEnd(8)}${t.store.padEnd(28)}${String(t.events).padStart(8)}${String(t.acceptedSeconds).padStart(12)}${String(t.seconds).padStart(13)}${String(t.eventsPerSecond).padStart(10)}${String(t.stored).padStart(8)}`);
  lines.push('', `${'path'.padEnd(6)}${'background events/s'.padStart(20)}${'probes'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'retried'.padStart(9)}  (post to visible through the gateway)`);
  for (const l of latency) lines.push(`${l.transport.padEnd(6)}${String(l.backgroundEventsPerSecond).padStart(20)}${String(l.probes).padStart(8)}${String(l.p50Ms).padStart(9)}${String(l.p99Ms).padStart(9)}${String(l.maxMs).padStart(9)}${String(l.retriedRequests).padStart(9)}`);
  return lines.join('\n');
}

async function startStack(transport: Transport, workDir: string, streamSuffix: string): Promise<Stack> {
  const principalSecret = randomBytes(32).toString('base64url');
  const secret = Buffer.from(principalSecret, 'utf8');
  const logLevel = process.env.LOG_LEVEL ?? 'silent';
  const natsEnv = { NATS_URL: process.env.NATS_URL ?? '', INGEST_STREAM: `PALISADE_BENCH_${streamSuffix}`, INGEST_SUBJECT_PREFIX: `palisade-bench.${streamSuffix}`, INGEST_STREAM_MAX_MESSAGES: '10000000' };
  const jetstream = transport === 'nats' ? readJetStreamSettings(natsEnv) : undefined;
  const ingestion: IngestionSettings = jetstream ? { transport: 'nats', jetstream } : { transport: 'http', deadLetterFile: join(workDir, 'dead-letters.ndjson'), maxDeliver: 5 };
  const sql = await createTestDatabase();
  const assets = new EmbeddedDocumentDatabase();
  const incidents = new EmbeddedDocumentDatabase();
  const services: SubgraphService[] = [];
  const closers: Array<() => Promise<unknown>> = [async () => sql.close()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const common = { principalSecret: secret, demoDataScale: 0, ingestion };
    services.push(await createIdentityService({ ...common, logger: createLogger('identity', logLevel), database: sql.database }));
    services.push(await createAssetsService({ ...common, logger: createLogger('assets', logLevel), database: assets }));
    services.push(await createIncidentsService({ ...common, logger: createLogger('incidents', logLevel), database: incidents }));
    for (const service of services) closers.push(() => service.close());
    const urls: Record<string, string> = {};
    for (const service of services) urls[service.name] = `http://127.0.0.1:${(await listen(service.httpServer, 0, '127.0.0.1')).port}/graphql`;
    const config = readIngestConfig({
      PALISADE_DATA_DIR: workDir,
      PRINCIPAL_SECRET: principalSecret,
      SUBGRAPH_IDENTITY_URL: urls.identity,
      SUBGRAPH_ASSETS_URL: urls.assets,
      SUBGRAPH_INCIDENTS_URL: urls.incidents,
      PORT: '0',
      METRICS_PORT: '0',
      AUDIT_LOG: 'off',
      INGEST_MAX_IN_FLIGHT: String(POSTERS * 2),
      INGEST_MAX_BACKLOG: '10000000',
      ...(jetstream ? natsEnv : {}),
    });
    const ingest = await createIngestService(config, createLogger('ingest', logLevel));
    closers.push(() => ingest.close());
    const address = await listen(ingest.httpServer, 0, '127.0.0.1');
    await listen(ingest.metricsServer, 0, '127.0.0.1');
    if (jetstream) {
      closers.push(() => deleteTestStreams(jetstream));
      for (const url of [...Object.values(urls), `http://127.0.0.1:${address.port}`]) await until(() => consuming(url), `${url} takes events from NATS`, 30_000);
    }
    const gateway = await startPalisade({ subgraphs: { urls, principalSecret } as never, workDir, jwksFile: join(workDir, 'jwks.json'), manifestPath: SAMPLE_MANIFEST_PATH });
    closers.push(() => gateway.stop());
    return { ingest, eventsUrl: `http://127.0.0.1:${address.port}/v1/events`, gateway, identity: sql.database, assets, incidents, jetstream, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A subgraph's readiness says its consumers consume; the intake's, that it can publish. */
async function consuming(url: string): Promise<boolean> {
  const response = await fetch(new URL('/readyz', url)).catch(() => undefined);
  if (!response?.ok) return false;
  const body = (await response.json()) as { checks?: Record<string, string> };
  return body.checks?.ingestion === undefined || body.checks.ingestion === 'consuming';
}

/** Events of one class, each naming an entity of its own (a finding: 50 devices, joined into their incidents). */
function generate(classUid: ClassUid, count: number, run: string): Record<string, unknown>[] {
  const [sample] = sampleEvents(classUid);
  const base = Date.now() - 86_400_000;
  return Array.from({ length: count }, (_, n) => {
    const metadata = { ...sample.metadata, uid: `bench-${run}-${classUid}-${n}` };
    if (classUid === 5001) return { ...sample, time: base + n, metadata, device: { ...sample.device, uid: `bench-${run}-device-${n}`, hostname: `d${n}.bench.example`, name: `d${n}` } };
    if (classUid === 5003) {
      const uid = `bench-${run}-user-${n}`;
      return { ...sample, time: base + n, metadata, user: { ...sample.user, uid, name: uid, email_addr: `${uid}@bench.example`, account: { ...sample.user.account, uid: `${uid}-account` } } };
    }
    return { ...sample, time: base + n * 1000, metadata, finding_info: { ...sample.finding_info, uid: `bench-${run}-finding-${n}` }, device: { ...sample.device, uid: `bench-${run}-laptop-${n % 50}` } };
  });
}

/** Posts every event, POSTERS requests at once; a 429 or 503 is sent again after its Retry-After. Returns how many were sent again. */
async function postAll(url: string, token: string, events: Record<string, unknown>[]): Promise<number> {
  const batches: string[] = [];
  for (let start = 0; start < events.length; start += BATCH) batches.push(events.slice(start, start + BATCH).map((event) => JSON.stringify(event)).join('\n'));
  let next = 0;
  let retried = 0;
  const poster = async () => {
    while (next < batches.length) {
      const body = batches[next++];
      for (;;) {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` }, body });
        const answer = (await response.json()) as { accepted?: number; rejected?: unknown[] };
        if (response.status === 429 || response.status === 503) {
          retried += 1;
          await sleep(1000 * Number(response.headers.get('retry-after') ?? 1));
          continue;
        }
        if (response.status !== 200 || (answer.rejected?.length ?? 0) > 0) throw new Error(`the intake answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: POSTERS }, poster));
  return retried;
}

/** With NATS, taken means stored in the stream: committed is when the work queue is empty (every event acknowledged). */
async function drained(settings: JetStreamSettings): Promise<void> {
  const connection: NatsConnection = await connect(natsServerOptions(settings.url));
  try {
    const jsm = await jetstreamManager(connection);
    await until(async () => (await jsm.streams.info(settings.stream)).state.messages === 0, 'the stream is drained', 600_000, 20);
  } finally {
    await connection.close();
  }
}

/** What the stores hold of a run's entities: devices, findings in incidents, users. */
async function countStored(stack: Stack, classUid: ClassUid, run: string): Promise<number> {
  if (classUid === 5001) return stack.assets.collection<Document>(ASSETS_COLLECTION).countDocuments({ uid: { $regex: `^bench-${run}-device-` } });
  if (classUid === 2004) {
    const [counted] = await stack.incidents.collection<Document>(INCIDENTS_COLLECTION).aggregate<{ n: number }>([{ $unwind: '$findings' }, { $match: { 'findings.uid': { $regex: `^bench-${run}-finding-` } } }, { $count: 'n' }]);
    return counted?.n ?? 0;
  }
  const [row] = await stack.identity.transaction(async (tx) => {
    await tx.query("SELECT set_config('palisade.tenant', $1, true)", [BENCH_PRINCIPAL.tenant]);
    return tx.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE uid LIKE $1', [`bench-${run}-user-%`]);
  });
  return row.n;
}

/**
 * Ingest-to-visible latency: while Device Inventory Info flows in at `rate` events per second, a new user is
 * posted every PROBE_INTERVAL_MS, and the gateway is asked (UserProfile, by persisted id) every POLL_INTERVAL_MS
 * until it shows them: from the post to the first answer that has the user.
 */
async function measureLatency(stack: Stack, transport: Transport, ingestToken: string, token: string, rate: number, seconds: number, run: string, progress: (message: string) => void): Promise<Latency> {
  progress(`${transport}: latency for ${seconds} s, a probe every ${PROBE_INTERVAL_MS} ms, with ${rate} device events/s meanwhile`);
  const stop = Date.now() + seconds * 1000;
  const devices = generate(5001, Math.ceil(rate * (seconds + 5)), `${run}-latency`);
  let retried = 0;
  // One request at a time, carrying what is due by then: a steady rate that never piles requests up at the intake.
  const background = (async () => {
    const begun = Date.now();
    let sent = 0;
    while (Date.now() < stop) {
      const due = Math.min(BATCH, Math.floor((rate * (Date.now() - begun)) / 1000) - sent);
      if (due < 1) {
        await sleep(10);
        continue;
      }
      retried += await postAll(stack.eventsUrl, ingestToken, devices.slice(sent, sent + due));
      sent += due;
    }
    return sent;
  })();
  const users = generate(5003, Math.ceil((seconds * 1000) / PROBE_INTERVAL_MS) + 2, `${run}-probe`);
  const samples: number[] = [];
  const probes: Array<Promise<void>> = [];
  for (let n = 0; Date.now() < stop; n++) {
    const user = users[n] as { user: { uid: string } };
    probes.push(
      (async () => {
        const started = performance.now();
        retried += await postAll(stack.eventsUrl, ingestToken, [user]);
        await until(() => shows(stack.gateway.url, token, user.user.uid), `user ${user.user.uid} is visible`, 30_000, POLL_INTERVAL_MS);
        samples.push(performance.now() - started);
      })(),
    );
    await sleep(PROBE_INTERVAL_MS);
  }
  const [sent] = await Promise.all([background, ...probes]);
  samples.sort((a, b) => a - b);
  const at = (q: number) => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))], 1);
  const result = { transport, backgroundEventsPerSecond: Math.round(sent / seconds), probes: samples.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(samples[samples.length - 1], 1), retriedRequests: retried };
  progress(`  p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms over ${result.probes} probes; ${result.backgroundEventsPerSecond} device events/s meanwhile; ${retried} requests sent again after 429/503`);
  return result;
}

async function shows(gatewayUrl: string, token: string, uid: string): Promise<boolean> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: manifestId('UserProfile') } }, variables: { uid } }),
  });
  const body = (await response.json()) as { data?: { user?: { uid: string } | null } };
  return body.data?.user?.uid === uid;
}

let manifest: ReturnType<typeof readManifest> | undefined;
function manifestId(name: string): string {
  manifest ??= readManifest(SAMPLE_MANIFEST_PATH);
  return listed(manifest, name).id;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(intervalMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

