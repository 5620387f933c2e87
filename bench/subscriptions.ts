// npm run bench -- --subscriptions: live incidents through gateway A. Subscribers over WebSocket in a child of
// their own, a steady stream of mutations from this process, the subgraphs here too. See USAGE and the README's
// Performance section.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import { apiSchemaFromSupergraph } from '../gateway/src/persisted-operations/api-schema';
import { buildManifest, serializeManifest } from '../gateway/src/persisted-operations/build-manifest';
import { readChangesLocation } from '../lib/change-events/nats';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';
import { childEnvironment, cpuMsOf, killOnExit, type GatewayProcess } from './gateway-process';
import { palisadeMode, prepareTokenAndJwks, startPalisade, SUPERGRAPH_PATH } from './gateways';
import { round, rssKb } from './measure';
import { MUTATION_DOCUMENTS, runMutationStream, type MutationKind, type MutationStreamResult, type MutationStreamSpec, type StreamIncident } from './mutation-stream';
import type { BenchOptions } from './options';
import { machine, RESULTS_DIR, writeJson } from './report';
import { accountFor, type Accounting } from './subscriptions-accounting';
import { GO_LINE, OPENED_LINE_PREFIX, RESULT_LINE_PREFIX, STOP_LINE_PREFIX, type OpenedReport, type SubscribersResult, type SubscribersSpec } from './subscribers';
import { startSubgraphs, type BenchSubgraphs } from './subgraphs';

const ROOT = join(__dirname, '..');
const TENANTS = ['acme', 'globex'] as const;

const SUBSCRIPTION_NAME = 'BenchIncidentChanged';
/** What every subscriber selects: the event, and its incident with a field of another subgraph (identity's User.name). */
const SUBSCRIPTION_DOCUMENT = `subscription ${SUBSCRIPTION_NAME} {
  incidentChanged { id kind at sequence incident { uid status severity assignee { name } } }
}
`;
/**
 * Subscribers take these scope sets in turn: analysts with and without personal data. The hub resolves each event
 * once per tenant and scope set (and operation, variables, client), so this gives it two groups per tenant.
 */
const SUBSCRIBER_SCOPES = [
  ['incidents:read', 'identity:read'],
  ['incidents:read', 'identity:read', 'pii:read'],
];
/** Incidents of each tenant the mutations go through, in turn; users of each tenant they assign them to. */
const INCIDENTS_PER_TENANT = 100;
const ASSIGNEES_PER_TENANT = 20;
/** Scripts of each tenant that send its mutations, in turn. */
const WRITERS_PER_TENANT = 4;

/** Connections opened per second: 1,000 in 10 s, each connection and subscription checked like any request. */
const OPEN_PER_SECOND = 100;
/** Beyond the pacing: how long opening may take before the run gives up on the rest. */
const OPEN_MARGIN_MS = 30_000;
/** How long the gateway may take to register every subscription after the connections are acknowledged. */
const ACTIVE_WAIT_MS = 30_000;
/** After the last mutation's answer: the longest wait for the deliveries still expected. */
const DRAIN_MS = 15_000;
/** What the first check of the event path may take. */
const CHECK_TIMEOUT_MS = 15_000;
/** After asking the gateway to collect its garbage, before its memory is read. */
const AFTER_GC_MS = 1_000;

const TARGETS = { p99Ms: 250, idleKBPerSubscription: 50 };

/** Which change transport the run used. */
type Transport = { kind: 'nats'; url: string; stream: string } | { kind: 'embedded' };

function describeTransport(transport: Transport): string {
  return transport.kind === 'nats'
    ? `NATS JetStream at ${transport.url}, stream ${transport.stream} of this run (deleted afterwards): the incidents subgraph publishes, A reads with an ordered consumer`
    : "the incidents subgraph's own change stream (/changes, Server-Sent Events), which A reads: the embedded default";
}

/** The subscription and the mutations, validated against the supergraph and written as the manifest A enforces. */
function writeManifest(workDir: string): { path: string; ids: Record<MutationKind | 'subscription', string> } {
  const files = [{ path: `${SUBSCRIPTION_NAME}.graphql`, text: SUBSCRIPTION_DOCUMENT }, ...Object.entries(MUTATION_DOCUMENTS).map(([kind, text]) => ({ path: `${kind}.graphql`, text }))];
  const outcome = buildManifest(files, apiSchemaFromSupergraph(readFileSync(SUPERGRAPH_PATH, 'utf8')));
  if (!outcome.ok) throw new Error(`the --subscriptions operations do not validate: ${JSON.stringify(outcome.problems)}`);
  const path = join(workDir, 'subscriptions-manifest.json');
  writeFileSync(path, serializeManifest(outcome.manifest));
  const idOf = (name: string) => outcome.manifest.operations.find((operation) => operation.name === name)!.id;
  return { path, ids: { subscription: idOf(SUBSCRIPTION_NAME), note: idOf('BenchIncidentNote'), status: idOf('BenchIncidentStatus'), assign: idOf('BenchIncidentAssign') } };
}

/** Asks a subgraph directly, with a signed principal of `tenant`. */
async function askSubgraph<T>(subgraphs: BenchSubgraphs, url: string, tenant: string, scopes: string[], query: string): Promise<T> {
  const principal: Principal = { sub: 'bench-setup', tenant, kind: 'script', scopes };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(principal, Buffer.from(subgraphs.principalSecret, 'utf8')) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`setup query failed: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

/** The incidents each tenant's mutations go through (those with an assignee first) and the users they assign. */
async function streamTargets(subgraphs: BenchSubgraphs, tenant: string): Promise<{ incidents: StreamIncident[]; assignees: string[] }> {
  type Incidents = { incidents: { edges: Array<{ node: { uid: string; status: string; assignee: { uid: string } | null } }> } };
  const { incidents } = await askSubgraph<Incidents>(subgraphs, subgraphs.urls.incidents, tenant, ['incidents:read'], `{ incidents(first: ${INCIDENTS_PER_TENANT}) { edges { node { uid status assignee { uid } } } } }`);
  type Users = { users: { edges: Array<{ node: { uid: string } }> } };
  const { users } = await askSubgraph<Users>(subgraphs, subgraphs.urls.identity, tenant, ['identity:read'], `{ users(first: ${ASSIGNEES_PER_TENANT}) { edges { node { uid } } } }`);
  const list = incidents.edges.map(({ node }) => ({ uid: node.uid, status: node.status, assigneeUid: node.assignee?.uid ?? null }));
  list.sort((a, b) => Number(b.assigneeUid !== null) - Number(a.assigneeUid !== null));
  if (list.length < 10 || users.edges.length < 2) throw new Error(`tenant ${tenant} has ${list.length} incidents and ${users.edges.length} users in the demo data; use a larger --scale`);
  return { incidents: list, assignees: users.edges.map(({ node }) => node.uid) };
}

/** The gateway's memory once it collected its garbage: RSS from /proc, the V8 heap and external memory from its /metrics. */
async function gatewayMemory(gateway: GatewayProcess) {
  process.kill(gateway.pid, 'SIGUSR2');
  await sleep(AFTER_GC_MS);
  const metrics = await scrape(gateway);
  return {
    rssKB: rssKb(gateway.pid),
    heapUsedKB: round(metricValue(metrics, 'palisade_gateway_nodejs_heap_size_used_bytes') / 1024, 0),
    externalKB: round(metricValue(metrics, 'palisade_gateway_nodejs_external_memory_bytes') / 1024, 0),
  };
}

async function scrape(gateway: GatewayProcess): Promise<string> {
  if (!gateway.metricsUrl) throw new Error('gateway A announced no metrics listener');
  const response = await fetch(gateway.metricsUrl);
  return response.text();
}

/** The sum of a metric's samples over its labels (those that match `labels`, when given). */
function metricValue(exposition: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(rest.slice(rest.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A histogram's cumulative bucket counts, by upper bound in seconds, over the series whose labels include `labels`. */
function buckets(exposition: string, name: string, labels = ''): Map<number, number> {
  const counts = new Map<number, number>();
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labels)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Observations of a histogram between two scrapes, and the bucket bounds (ms) under which 50% and 99% of them fell. */
function histogramBetween(before: string, after: string, name: string, labels = ''): { count: number; p50Ms: number | string; p99Ms: number | string } {
  const first = buckets(before, name, labels);
  const last = buckets(after, name, labels);
  const bounds = [...last.keys()].sort((a, b) => a - b);
  const total = (last.get(Infinity) ?? 0) - (first.get(Infinity) ?? 0);
  const at = (p: number) => {
    if (total === 0) return 'none';
    const bound = bounds.find((b) => (last.get(b) ?? 0) - (first.get(b) ?? 0) >= (p / 100) * total)!;
    return bound === Infinity ? `over ${bounds[bounds.length - 2] * 1000}` : round(bound * 1000, 1);
  };
  return { count: total, p50Ms: at(50), p99Ms: at(99) };
}

interface SubscribersChild {
  pid: number;
  opened: Promise<OpenedReport>;
  go(): void;
  stop(expectedDeliveries: number): void;
  result: Promise<SubscribersResult>;
  kill(): void;
}

/** A promise with its resolve and reject at hand; a rejection nobody awaits is not unhandled. */
function promised<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((onResolve, onReject) => ((resolve = onResolve), (reject = onReject)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Starts bench/subscribers-child.ts with the spec in a file (a thousand tokens do not fit an environment variable). */
function startSubscribersChild(specPath: string, spec: SubscribersSpec): SubscribersChild {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'subscribers-child.ts')], {
    cwd: ROOT,
    env: childEnvironment({ SUBSCRIBERS_SPEC: specPath }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const opened = promised<OpenedReport>();
  const result = promised<SubscribersResult>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      if (line.startsWith(OPENED_LINE_PREFIX)) opened.resolve(JSON.parse(line.slice(OPENED_LINE_PREFIX.length)) as OpenedReport);
      else if (line.startsWith(RESULT_LINE_PREFIX)) result.resolve(JSON.parse(readFileSync(spec.resultPath, 'utf8')) as SubscribersResult);
    } catch (error) {
      const failure = new Error(`the subscribers' process printed what could not be read: ${(error as Error).message}`);
      opened.reject(failure);
      result.reject(failure);
    }
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the subscribers' process exited with code ${code}:\n${stderr}`))));
  exited.catch(() => undefined);
  const bounded = <T>(promise: Promise<T>, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the subscribers did not ${what} within ${ms / 1000} s:\n${stderr}`)), ms);
      Promise.race([promise, exited]).then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });
  const openMs = (spec.subscribers.length / spec.openPerSecond) * 1000 + spec.openMarginMs + 30_000;
  let resultBounded: Promise<SubscribersResult> | undefined;
  return {
    pid: child.pid!,
    opened: bounded(opened.promise, openMs, 'open their connections'),
    go: () => void child.stdin!.write(`${GO_LINE}\n`),
    stop: (expected) => {
      child.stdin!.write(`${STOP_LINE_PREFIX}${expected}\n`);
      resultBounded = bounded(result.promise, spec.drainMs + 60_000, 'report');
    },
    get result() {
      if (!resultBounded) throw new Error('the subscribers have not been told to stop');
      return resultBounded;
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

/**
 * Before the thousand: one subscriber of each tenant from this process, one change of each tenant. Each must
 * arrive at its own tenant's subscriber only, without errors, with the assignee's name from identity. This also
 * warms A's caches (documents, plans), so that the memory measured next is the subscriptions'.
 */
async function checkEventPath(gatewayUrl: string, tokens: Record<string, string>, spec: MutationStreamSpec, subscriptionId: string, active: () => Promise<number>): Promise<void> {
  const received: Record<string, unknown[]> = {};
  const clients = TENANTS.map((tenant) => {
    received[tenant] = [];
    const client = createClient({ url: gatewayUrl.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${tokens[tenant]}` }, retryAttempts: 0, lazy: true });
    client.subscribe(
      { query: '', operationName: SUBSCRIPTION_NAME, extensions: { persistedQuery: { version: 1, sha256Hash: subscriptionId } } },
      { next: (value) => received[tenant].push(value), error: (error) => received[tenant].push({ ended: error }), complete: () => received[tenant].push({ completed: true }) },
    );
    return client;
  });
  try {
    await waitFor(async () => (await active()) >= TENANTS.length, CHECK_TIMEOUT_MS);
    if (TENANTS.some((tenant) => received[tenant].length > 0)) throw new Error(`the check's subscribers received something before any change: ${JSON.stringify(received).slice(0, 1000)}`);
    // One note on each tenant's first incident (it has an assignee): the stream's first two slots.
    const check = await runMutationStream({ ...spec, rate: 2, warmupSeconds: 0, durationSeconds: 1 });
    if (check.changes.length !== TENANTS.length) throw new Error(`the check's mutations failed: ${JSON.stringify(check.failed)}`);
    await waitFor(() => TENANTS.every((tenant) => received[tenant].length >= 1), CHECK_TIMEOUT_MS).catch(() => undefined);
    for (const tenant of TENANTS) {
      const uid = check.changes.find((change) => change.tenant === tenant)!.uid;
      const events = received[tenant] as Array<{ data?: { incidentChanged?: { incident: { uid: string; assignee: { name: string } | null } } }; errors?: unknown }>;
      const ok = events.length === 1 && !events[0].errors && events[0].data?.incidentChanged?.incident.uid === uid && typeof events[0].data.incidentChanged.incident.assignee?.name === 'string';
      if (!ok) throw new Error(`the check's ${tenant} subscriber expected one change of ${uid} with its assignee's name, and received ${JSON.stringify(events).slice(0, 1000)}`);
    }
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
}

/** User and system CPU time of a process, ms: utime and stime of /proc/<pid>/stat (100 ticks a second). */
function userAndSystemMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** Busy CPU time of the whole machine (all cores), ms, from /proc/stat. */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return ((total - fields[3] - fields[4]) * 1000) / 100;
}

/**
 * Waits (bounded) until the gateway has used under 20 ms of CPU in every 250 ms for a second. measure.ts's settle
 * also waits for the subgraphs' databases to fall quiet, which they never do here: the change relay sweeps once a second.
 */
async function quiet(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let cpu = cpuMsOf(pid);
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < 1_000) {
    await sleep(250);
    const now = cpuMsOf(pid);
    if (now - cpu > 20) quietSince = Date.now();
    cpu = now;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${ms / 1000} s`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Live incidents through A: see USAGE. */
export async function runSubscriptions(options: BenchOptions, progress: (message: string) => void): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'palisade-bench-subscriptions-'));
  const natsUrl = process.env.NATS_URL;
  const transport: Transport = natsUrl ? { kind: 'nats', url: natsUrl, stream: `PALISADE_BENCH_${process.pid}_${Date.now()}` } : { kind: 'embedded' };
  const mode = palisadeMode();
  let subgraphs: BenchSubgraphs | undefined;
  let gateway: GatewayProcess | undefined;
  let child: SubscribersChild | undefined;

  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      child?.kill();
      await gateway?.stop();
      await subgraphs?.close();
      if (transport.kind === 'nats') await deleteStream(transport.url, transport.stream, progress);
      rmSync(workDir, { recursive: true, force: true });
    })());
  // Ctrl-C: the children and the stream go too (the exit handler kills any child still running).
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    const forced = setTimeout(() => process.exit(130), 20_000);
    void cleanup().finally(() => {
      clearTimeout(forced);
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const changes = transport.kind === 'nats' ? { natsUrl: transport.url, changes: readChangesLocation({ NATS_CHANGES_STREAM: transport.stream }) } : undefined;
    progress(`starting the subgraphs with demo data scale ${options.scale} (identity on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}; changes over ${transport.kind === 'nats' ? `NATS JetStream, stream ${transport.stream}` : "the incidents subgraph's /changes"})`);
    subgraphs = await startSubgraphs(options.scale, changes);
    const manifest = writeManifest(workDir);
    const { jwksFile } = await prepareTokenAndJwks(workDir);
    gateway = await startPalisade(
      { subgraphs, workDir, jwksFile, manifestPath: manifest.path, cpuProfileDir: options.profile ? RESULTS_DIR : undefined },
      { environment: transport.kind === 'nats' ? { NATS_URL: transport.url, NATS_CHANGES_STREAM: transport.stream } : {}, exposeGc: true },
    );
    const running = gateway;
    const active = async () => metricValue(await scrape(running), 'palisade_gateway_subscriptions_active');
    progress(`gateway A (${mode.nodeEnv}) listening at ${gateway.url}, metrics at ${gateway.metricsUrl}`);

    const token = (tenant: string, sub: string, scopes: string[], kind: 'user' | 'script') => signDevelopmentToken({ directory: workDir, sub, tenant, scopes, kind, expiresIn: '2h' });
    const targets = Object.fromEntries(await Promise.all(TENANTS.map(async (tenant) => [tenant, await streamTargets(subgraphs!, tenant)] as const)));
    const streamSpec: MutationStreamSpec = {
      url: gateway.url,
      ids: { note: manifest.ids.note, status: manifest.ids.status, assign: manifest.ids.assign },
      tenants: Object.fromEntries(
        await Promise.all(
          TENANTS.map(async (tenant) => {
            const tokens = await Promise.all(Array.from({ length: WRITERS_PER_TENANT }, (_, index) => token(tenant, `bench-writer-${tenant}-${index + 1}`, ['incidents:read', 'incidents:write'], 'script')));
            return [tenant, { tokens, ...targets[tenant] }] as const;
          }),
        ),
      ),
      rate: options.rate,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
    };
    const checkTokens = Object.fromEntries(await Promise.all(TENANTS.map(async (tenant) => [tenant, await token(tenant, `bench-check-${tenant}`, SUBSCRIBER_SCOPES[0], 'user')] as const)));
    await checkEventPath(gateway.url, checkTokens, streamSpec, manifest.ids.subscription, active);
    // The check's subscriptions end as their connections close.
    await waitFor(async () => (await active()) === 0, CHECK_TIMEOUT_MS);
    progress('checked: a change of each tenant reached its own tenant\'s subscriber only, with the assignee\'s name from identity');

    const subscribers = await Promise.all(
      Array.from({ length: options.subscribers }, async (_, index) => {
        const tenant = TENANTS[index % TENANTS.length];
        const scopes = SUBSCRIBER_SCOPES[Math.floor(index / TENANTS.length) % SUBSCRIBER_SCOPES.length];
        return { tenant, token: await token(tenant, `bench-analyst-${tenant}-${index}`, scopes, 'user') };
      }),
    );
    const perTenant = Object.fromEntries(TENANTS.map((tenant) => [tenant, subscribers.filter((s) => s.tenant === tenant).length]));

    await quiet(gateway.pid);
    const idleBefore = await gatewayMemory(gateway);
    progress(`A before the subscriptions: RSS ${round(idleBefore.rssKB / 1024, 1)} MB, heap ${round(idleBefore.heapUsedKB / 1024, 1)} MB`);

    const spec: SubscribersSpec = {
      url: gateway.url.replace('http:', 'ws:'),
      operationName: SUBSCRIPTION_NAME,
      documentId: manifest.ids.subscription,
      subscribers,
      openPerSecond: OPEN_PER_SECOND,
      openMarginMs: OPEN_MARGIN_MS,
      drainMs: DRAIN_MS,
      resultPath: join(workDir, 'subscribers-result.json'),
    };
    const specPath = join(workDir, 'subscribers.json');
    writeFileSync(specPath, JSON.stringify(spec), { mode: 0o600 });
    progress(`opening ${options.subscribers} subscriptions (${TENANTS.map((t) => `${perTenant[t]} ${t}`).join(', ')}), ${OPEN_PER_SECOND} connections a second`);
    child = startSubscribersChild(specPath, spec);
    const opened = await child.opened;
    if (opened.acknowledged !== options.subscribers) throw new Error(`${opened.failed} of ${options.subscribers} connections failed: ${JSON.stringify(opened.failures)}`);
    const activeStarted = Date.now();
    await waitFor(async () => (await active()) >= options.subscribers, ACTIVE_WAIT_MS).catch(async () => {
      throw new Error(`A holds ${await active()} subscriptions of ${options.subscribers} after ${ACTIVE_WAIT_MS / 1000} s`);
    });
    progress(`${opened.acknowledged} connections acknowledged in ${opened.seconds} s, every subscription registered ${round((Date.now() - activeStarted) / 1000, 1)} s later`);
    await quiet(gateway.pid);
    const idleAfter = await gatewayMemory(gateway);
    const perSubscription = {
      rssKB: round((idleAfter.rssKB - idleBefore.rssKB) / options.subscribers, 1),
      heapUsedKB: round((idleAfter.heapUsedKB - idleBefore.heapUsedKB) / options.subscribers, 1),
      externalKB: round((idleAfter.externalKB - idleBefore.externalKB) / options.subscribers, 1),
    };
    progress(`A with ${options.subscribers} idle subscriptions: RSS ${round(idleAfter.rssKB / 1024, 1)} MB, heap ${round(idleAfter.heapUsedKB / 1024, 1)} MB: ${perSubscription.rssKB} KB RSS and ${perSubscription.heapUsedKB} KB heap per subscription`);

    progress(`streaming ${options.rate} changes a second for ${options.warmupSeconds} s warm-up and ${options.durationSeconds} s measured`);
    const metricsBefore = await scrape(gateway);
    const loadAverage = round(loadavg()[0], 2);
    const cpuBefore = { gateway: cpuMsOf(gateway.pid), gatewaySplit: userAndSystemMs(gateway.pid), bench: cpuMsOf('self'), machine: machineBusyMs() };
    const started = Date.now();
    child.go();
    const stream = await runMutationStream(streamSpec);
    const expected = stream.changes.reduce((sum, change) => sum + perTenant[change.tenant], 0);
    const activeAtEnd = await active();
    progress(`${stream.sent} mutations sent, ${stream.changes.length} committed; waiting for ${expected} deliveries`);
    child.stop(expected);
    const received = await child.result;
    const wallMs = Date.now() - started;
    const cpuPercent = (before: number, after: number) => round(((after - before) / wallMs) * 100, 0);
    const machineAfter = machineBusyMs();
    const gatewayCpuMs = cpuMsOf(gateway.pid) - cpuBefore.gateway;
    const gatewaySplit = userAndSystemMs(gateway.pid);
    const messages = Math.max(1, accountingDeliveries(received));
    const cpu = {
      gateway: cpuPercent(cpuBefore.gateway, cpuMsOf(gateway.pid)),
      // A's CPU over the stream (resolving events, the mutations, and sending) per message sent to a subscriber.
      gatewayMicrosecondsPerDelivery: round((gatewayCpuMs * 1000) / messages, 1),
      gatewayUserMicrosecondsPerDelivery: round(((gatewaySplit.user - cpuBefore.gatewaySplit.user) * 1000) / messages, 1),
      gatewaySystemMicrosecondsPerDelivery: round(((gatewaySplit.system - cpuBefore.gatewaySplit.system) * 1000) / messages, 1),
      bench: cpuPercent(cpuBefore.bench, cpuMsOf('self')),
      subscribers: received.cpuPercent,
      // The machine's busy time less this run's three processes: other work on the same cores.
      others: round(((machineAfter - cpuBefore.machine - (cpuMsOf(gateway.pid) - cpuBefore.gateway) - (cpuMsOf('self') - cpuBefore.bench)) / wallMs) * 100 - received.cpuPercent, 0),
    };
    const metricsAfter = await scrape(gateway);
    const accounting = accountFor(stream.changes, perTenant, received.events, received.subscribers);
    const gatewayCounters = {
      delivered: metricValue(metricsAfter, 'palisade_gateway_subscription_events_total', 'outcome="delivered"') - metricValue(metricsBefore, 'palisade_gateway_subscription_events_total', 'outcome="delivered"'),
      dropped: metricValue(metricsAfter, 'palisade_gateway_subscription_events_total', 'outcome="dropped"') - metricValue(metricsBefore, 'palisade_gateway_subscription_events_total', 'outcome="dropped"'),
      lag: histogramBetween(metricsBefore, metricsAfter, 'palisade_gateway_subscription_delivery_lag_seconds'),
      subgraphFetches: Object.fromEntries(
        Object.keys(subgraphs.urls).map((name) => [name, histogramBetween(metricsBefore, metricsAfter, 'palisade_gateway_subgraph_fetch_duration_seconds', `subgraph="${name}"`)]),
      ),
      activeAtEnd,
    };

    report({ options, transport, mode: mode.description, perTenant, opened, idleBefore, idleAfter, perSubscription, stream, received, accounting, gatewayCounters, cpu, loadAverage });
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanup();
  }
}

/** Messages the subscribers received, repeats included. */
function accountingDeliveries(received: SubscribersResult): number {
  return received.subscribers.reduce((sum, subscriber) => sum + subscriber.received + subscriber.repeated, 0);
}

async function deleteStream(url: string, stream: string, progress: (message: string) => void): Promise<void> {
  try {
    const connection = await connectNats({ servers: url, timeout: 5_000 });
    try {
      await (await jetstreamManager(connection)).streams.delete(stream);
    } finally {
      await connection.close();
    }
  } catch (error) {
    progress(`could not delete the NATS stream ${stream}: ${(error as Error).message}`);
  }
}

interface Figures {
  options: BenchOptions;
  transport: Transport;
  mode: string;
  perTenant: Record<string, number>;
  opened: OpenedReport;
  idleBefore: Awaited<ReturnType<typeof gatewayMemory>>;
  idleAfter: Awaited<ReturnType<typeof gatewayMemory>>;
  perSubscription: { rssKB: number; heapUsedKB: number; externalKB: number };
  stream: MutationStreamResult;
  received: SubscribersResult;
  accounting: Accounting;
  gatewayCounters: { delivered: number; dropped: number; lag: ReturnType<typeof histogramBetween>; subgraphFetches: Record<string, ReturnType<typeof histogramBetween>>; activeAtEnd: number };
  cpu: { gateway: number; gatewayMicrosecondsPerDelivery: number; gatewayUserMicrosecondsPerDelivery: number; gatewaySystemMicrosecondsPerDelivery: number; bench: number; subscribers: number; others: number };
  loadAverage: number;
}

function report(figures: Figures): void {
  const { options, transport, accounting: a, stream, perSubscription, gatewayCounters, received } = figures;
  const latency = a.latency.commitToLast;
  const endedCount = Object.values(a.ended).reduce((sum, count) => sum + count, 0);
  const nothingDropped = a.missed === 0 && gatewayCounters.dropped === 0 && endedCount === 0 && a.repeated === 0;
  const targets = {
    p99: { target: `commit to the last subscriber of the tenant, p99 under ${TARGETS.p99Ms} ms`, value: latency.p99, pass: latency.p99 < TARGETS.p99Ms },
    memory: { target: `gateway memory per idle subscription under ${TARGETS.idleKBPerSubscription} KB (RSS, after a forced GC)`, value: perSubscription.rssKB, pass: perSubscription.rssKB < TARGETS.idleKBPerSubscription },
    dropped: { target: `nothing dropped: every subscriber received every change of its tenant (within ${DRAIN_MS / 1000} s of the last answer), once, in order; A dropped nothing and cut no one off`, value: a.missed + gatewayCounters.dropped, pass: nothingDropped },
    crossTenant: { target: 'nothing delivered across tenants', value: a.crossTenant, pass: a.crossTenant === 0 },
  };
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    transport: transport.kind === 'nats' ? { kind: 'nats', url: transport.url, stream: transport.stream } : { kind: 'embedded' },
    settings: {
      subscribers: options.subscribers,
      subscribersPerTenant: figures.perTenant,
      ratePerSecond: options.rate,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      demoDataScale: options.scale,
      identityStore: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      documentStore: 'embedded (no MongoDB server here)',
      redis: process.env.REDIS_URL ? 'used by A' : 'not set',
      gatewayAMode: palisadeMode().nodeEnv,
      gatewayA: figures.mode,
      transport: describeTransport(transport),
      subscription: SUBSCRIPTION_DOCUMENT.trim(),
      subscribersDetail: `graphql-ws clients in a child process, one WebSocket connection each, the token (a user of the tenant, ${SUBSCRIBER_SCOPES.map((s) => s.join(' ')).join(' or ')}, in turn) in connection_init, the subscription by persisted id; ${OPEN_PER_SECOND} connections opened a second`,
      mutations: `from the benchmark process through A by persisted id, ${WRITERS_PER_TENANT} scripts per tenant with incidents:write taking turns; the tenants take turns, each over ${INCIDENTS_PER_TENANT} of its incidents in turn, one mutation in flight per incident; addIncidentNote, updateIncidentStatus, assignIncident in turn per incident`,
      latency: "commit: the change's `at` (the incident's updatedAt in the mutation's answer, taken just before the atomic write that commits it); delivery: when the graphql-ws client's next() ran in the subscribers' process; all on one machine's clock",
      memory: 'RSS from /proc and the V8 heap from A\'s /metrics, each after a forced GC (A runs with --expose-gc and collects on SIGUSR2), with only the check\'s two subscribers opened and closed before, and again once every subscription is registered and A is idle; divided by the subscriptions',
      order: 'subgraphs and the mutation stream in the benchmark process, A in a child, the subscribers in another child, all on 127.0.0.1, on the same cores',
    },
    targets,
    latencyMs: a.latency,
    deliveries: {
      changesCommitted: a.changes,
      measuredChanges: a.measuredChanges,
      expected: a.expectedDeliveries,
      delivered: a.delivered,
      missed: a.missed,
      crossTenant: a.crossTenant,
      unknown: a.unknown,
      repeated: a.repeated,
      errors: a.errors,
      ended: a.ended,
      drainedInTime: received.drained,
      byTenant: a.byTenant,
    },
    memory: { before: figures.idleBefore, after: figures.idleAfter, perSubscription },
    opening: figures.opened,
    mutations: { sent: stream.sent, committed: stream.changes.length, failed: stream.failed, skipped: stream.skipped, late: stream.late, seconds: stream.seconds, committedPerSecond: round(stream.changes.length / stream.seconds, 1), answerMs: stream.answerMs },
    gatewayMetrics: gatewayCounters,
    cpuPercentOfOneCore: figures.cpu,
    subscribersLoopDelayMs: received.loopDelayMs,
    loadAverage: figures.loadAverage,
  };
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  const dist = (d: { count: number; p50: number; p95: number; p99: number; max: number }) => `p50 ${d.p50} ms, p95 ${d.p95} ms, p99 ${d.p99} ms, max ${d.max} ms (${d.count} changes)`;
  const describeCounts = (counts: Record<string, number>) => Object.entries(counts).map(([key, count]) => `${key} ${count}`).join(', ') || 'none';
  process.stdout.write(
    [
      '',
      `Palisade live incidents, ${results.date}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}`,
      `${options.subscribers} subscribers over WebSocket (${Object.entries(figures.perTenant).map(([t, n]) => `${n} ${t}`).join(', ')}), ${options.rate} changes/s for ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured; demo data scale ${options.scale}; identity on ${results.settings.identityStore}`,
      `A: ${figures.mode}`,
      `transport: ${results.settings.transport}`,
      `subscription: ${SUBSCRIPTION_DOCUMENT.replace(/\s+/g, ' ').trim()}`,
      '',
      `opening: ${figures.opened.acknowledged} connections acknowledged in ${figures.opened.seconds} s`,
      `memory of A, idle, after a forced GC: RSS ${round(figures.idleBefore.rssKB / 1024, 1)} -> ${round(figures.idleAfter.rssKB / 1024, 1)} MB, heap ${round(figures.idleBefore.heapUsedKB / 1024, 1)} -> ${round(figures.idleAfter.heapUsedKB / 1024, 1)} MB, external ${round(figures.idleBefore.externalKB / 1024, 1)} -> ${round(figures.idleAfter.externalKB / 1024, 1)} MB`,
      `  per subscription: ${perSubscription.rssKB} KB RSS, ${perSubscription.heapUsedKB} KB heap, ${perSubscription.externalKB} KB external`,
      `mutations: ${stream.sent} sent, ${stream.changes.length} committed (${results.mutations.committedPerSecond}/s), failed: ${describeCounts(stream.failed)}, skipped ${stream.skipped}, late ${stream.late}; answered ${dist(stream.answerMs)}`,
      `commit -> last subscriber of the tenant: ${dist(a.latency.commitToLast)}`,
      `commit -> first subscriber:             ${dist(a.latency.commitToFirst)}`,
      `mutation answer -> last subscriber:     ${dist(a.latency.answerToLast)}`,
      `deliveries: ${a.delivered} of ${a.expectedDeliveries} expected; ${a.missed} not received within ${DRAIN_MS / 1000} s of the last mutation's answer, late or lost (${TENANTS.map((t) => `${t}: ${a.byTenant[t].changes} changes, ${a.byTenant[t].missed} deliveries short, ${a.byTenant[t].changesNotDeliveredToAll} changes not at every subscriber`).join('; ')})`,
      `  across tenants ${a.crossTenant}, unknown ${a.unknown}, repeated or out of order ${a.repeated}; errors: ${describeCounts(a.errors)}; ended during the run: ${describeCounts(a.ended)}`,
      `A's own metrics over the stream (p50 and p99 as histogram bucket bounds): ${gatewayCounters.delivered} events delivered, ${gatewayCounters.dropped} dropped; commit -> queued for a subscriber p50 <= ${gatewayCounters.lag.p50Ms} ms, p99 <= ${gatewayCounters.lag.p99Ms} ms; ${gatewayCounters.activeAtEnd} subscriptions active as the last mutation was answered`,
      `  subgraph fetches: ${Object.entries(gatewayCounters.subgraphFetches).map(([name, h]) => `${name} ${h.count} (p50 <= ${h.p50Ms} ms, p99 <= ${h.p99Ms} ms)`).join(', ')}`,
      `CPU, % of one core during the stream: A ${figures.cpu.gateway}% (${figures.cpu.gatewayMicrosecondsPerDelivery} µs per message delivered: ${figures.cpu.gatewayUserMicrosecondsPerDelivery} user, ${figures.cpu.gatewaySystemMicrosecondsPerDelivery} system), subscribers' process ${figures.cpu.subscribers}% (event-loop delay p99 ${received.loopDelayMs.p99} ms), benchmark process (subgraphs, mutations) ${figures.cpu.bench}%, other processes of the machine about ${figures.cpu.others}%; load average ${figures.loadAverage} as it began`,
      '',
      ...Object.values(targets).map((t) => `${verdict(t.pass)}  ${t.target}: ${t.value}`),
      '',
      `written: ${writeJson(options.profile ? 'subscriptions-profiled.json' : 'subscriptions.json', results)}`,
      '',
    ].join('\n'),
  );
}
