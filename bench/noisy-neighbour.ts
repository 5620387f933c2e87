// npm run bench -- --noisy-neighbour: a quiet tenant's lookups through gateway A, alone and while another tenant
// floods the graph with the heaviest requests its limits allow. See USAGE and the README's Performance section.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import { DEFAULT_MAX_COST } from '../gateway/src/cost/config';
import { readCostDirectives } from '../gateway/src/cost/cost-directives';
import { estimateCost } from '../gateway/src/cost/estimate-cost';
import { DEFAULT_OPERATION_LIMITS } from '../gateway/src/operation-limits/config';
import { apiSchemaFromSupergraph } from '../gateway/src/persisted-operations/api-schema';
import { buildManifest, readOperationFiles, serializeManifest } from '../gateway/src/persisted-operations/build-manifest';
import { DEFAULT_ADMISSION, DEFAULT_BUDGETS } from '../gateway/src/rate-limits/config';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';
import { childEnvironment, cpuMsOf, killOnExit, type GatewayProcess } from './gateway-process';
import { palisadeMode, prepareTokenAndJwks, startPalisade, SUPERGRAPH_PATH } from './gateways';
import { round, settle } from './measure';
import { floodBody, GO_LINE, READY_LINE, RESULT_LINE_PREFIX, STOP_LINE, summarizeLatency, type FloodResult, type FloodSpec, type QuietResult, type QuietSpec } from './noisy-load';
import type { BenchOptions } from './options';
import { machine, writeJson } from './report';
import { startSubgraphs, type BenchSubgraphs } from './subgraphs';

const ROOT = join(__dirname, '..');
const OPERATIONS_DIR = join(ROOT, 'schema', 'operations');

const QUIET_TENANT = 'globex';
const FLOOD_TENANT = 'acme';
/** Callers of the quiet tenant, each a script with its own client id and one connection. */
const QUIET_CALLERS = 4;
/**
 * Each quiet caller sends three quarters of what its kind's default request budget allows over time (a script:
 * 1,200 a minute, 20 a second): a quiet tenant is never refused, however long the run.
 */
const QUIET_BUDGET_SHARE = 0.75;
const QUIET_OPERATION = 'IncidentLookup';
/** Incident uids of the quiet tenant the lookups go through in turn. */
const QUIET_UIDS = 100;

const FLOOD_OPERATION = 'NoisyFlood';
/** The heaviest incidents query a script may send: a page of 100, the description and the timeline. */
const FLOOD_DOCUMENT = `query NoisyFlood($status: [IncidentStatus!]) {
  incidents(first: 100, filter: { status: $status }) {
    totalCount
    edges { node { uid title description status timeline { at kind message } } }
  }
}
`;
const STATUSES = ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'];
/** The list that once stalled a subgraph for every tenant; the limits refuse it now. */
const REFUSED_LIST_LENGTH = 20_000;

/**
 * The longest a flooded phase may last, as a multiple of --duration plus a margin: the quiet tenant's late
 * lookups finish under the flood (its 10 s schedules took 23 to 40 s here). The flood stops there at the latest.
 */
const FLOODED_PHASE_FACTOR = 6;
const FLOODED_PHASE_MARGIN_SECONDS = 60;
/** A client child gets this long to start (and warm up), and this long beyond its duration to finish. */
const CHILD_START_MS = 60_000;
const CHILD_FINISH_MARGIN_MS = 90_000;

/** The sample operations plus the flood's, validated against the supergraph and written as the manifest A enforces. */
function writeNoisyManifest(workDir: string): string {
  const outcome = buildManifest([...readOperationFiles(OPERATIONS_DIR), { path: `${FLOOD_OPERATION}.graphql`, text: FLOOD_DOCUMENT }], apiSchemaFromSupergraph(readFileSync(SUPERGRAPH_PATH, 'utf8')));
  if (!outcome.ok) throw new Error(`the noisy-neighbour operations do not validate: ${JSON.stringify(outcome.problems)}`);
  const path = join(workDir, 'noisy-neighbour-manifest.json');
  writeFileSync(path, serializeManifest(outcome.manifest));
  return path;
}

/** The heavy flood request's cost as the gateway estimates it (with Apollo's default list size, 10, as its cost behaviour does). */
function floodCost(): number {
  const sdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const document = parse(FLOOD_DOCUMENT);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  return estimateCost(apiSchemaFromSupergraph(sdl), document, operation, { status: STATUSES }, readCostDirectives(sdl), { defaultListSize: 10 });
}

function operationId(manifestPath: string, name: string): string {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { operations: Array<{ id: string; name: string }> };
  const operation = manifest.operations.find((o) => o.name === name);
  if (!operation) throw new Error(`${name} is not in ${manifestPath}`);
  return operation.id;
}

/** Uids of the quiet tenant's incidents, asked of the incidents subgraph directly with a signed principal. */
async function quietTenantUids(subgraphs: BenchSubgraphs): Promise<string[]> {
  const principal: Principal = { sub: 'bench-setup', tenant: QUIET_TENANT, kind: 'script', scopes: ['incidents:read'] };
  const response = await fetch(subgraphs.urls.incidents, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(principal, Buffer.from(subgraphs.principalSecret, 'utf8')) },
    body: JSON.stringify({ query: `{ incidents(first: ${QUIET_UIDS}) { edges { node { uid } } } }` }),
  });
  const body = (await response.json()) as { data?: { incidents?: { edges: Array<{ node: { uid: string } }> } } };
  const uids = body.data?.incidents?.edges.map((edge) => edge.node.uid) ?? [];
  if (uids.length < 10) throw new Error(`the incidents subgraph gave ${uids.length} incidents of ${QUIET_TENANT}: ${JSON.stringify(body).slice(0, 500)}`);
  return uids;
}

/** One request through A; throws unless `expect` accepts the answer. */
async function check(url: string, token: string, body: string, what: string, expect: (status: number, text: string) => boolean): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const text = await response.text();
  if (!expect(response.status, text)) throw new Error(`${what}: unexpected answer (HTTP ${response.status}): ${text.slice(0, 1000)}`);
}

interface ClientChild<T> {
  ready: Promise<void>;
  go(): void;
  /** Writes a line to the child's stdin. */
  tell(line: string): void;
  result: Promise<T>;
  kill(): void;
}

/** Starts bench/noisy-child.ts in its own process; it runs `role` with `spec` once told to go. */
function startClient<T>(role: 'quiet' | 'flood', spec: QuietSpec | FloodSpec, measuredSeconds: number): ClientChild<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'noisy-child.ts')], {
    cwd: ROOT,
    env: childEnvironment({ NOISY_ROLE: role, NOISY_SPEC: JSON.stringify(spec) }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout! });
  let onReady: () => void;
  let onResult: (value: T) => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<T>((resolve) => (onResult = resolve));
  lines.on('line', (line) => {
    if (line === READY_LINE) onReady();
    else if (line.startsWith(RESULT_LINE_PREFIX)) onResult(JSON.parse(line.slice(RESULT_LINE_PREFIX.length)) as T);
  });
  const failed = exited.then((code) => {
    throw new Error(`the ${role} client exited with code ${code} before it was done:\n${stderr}`);
  });
  // It exits after its result too; only a race that it wins is a failure.
  failed.catch(() => undefined);
  const bounded = <V>(promise: Promise<V>, ms: number, what: string) =>
    new Promise<V>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the ${role} client did not ${what} within ${ms / 1000} s:\n${stderr}`));
      }, ms);
      Promise.race([promise, failed]).then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });
  // The warm-up, when there is one, comes before READY.
  const warmupSeconds = role === 'quiet' ? (spec as QuietSpec).warmupSeconds : 0;
  const readyBounded = bounded(ready, CHILD_START_MS + warmupSeconds * 1000, 'get ready');
  let resultBounded: Promise<T> | undefined;
  const go = () => {
    child.stdin!.write(`${GO_LINE}\n`);
    resultBounded = bounded(result, measuredSeconds * 1000 + CHILD_FINISH_MARGIN_MS, 'finish');
  };
  return {
    ready: readyBounded,
    go,
    tell: (line) => void child.stdin!.write(`${line}\n`),
    get result() {
      if (!resultBounded) throw new Error(`the ${role} client has not been told to go`);
      return resultBounded;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

interface PhaseResult {
  quiet: QuietResult;
  flood?: FloodResult;
  /** CPU of the gateway child and of this process (the three subgraphs) while the clients ran, % of one core. */
  gatewayCpuPercent: number;
  subgraphsCpuPercent: number;
  /** Event-loop delay of this process (the three subgraphs) while the clients ran, ms, with the 10 ms sampling interval: what a lookup waits there. */
  subgraphsLoopDelayMs: { p50: number; p99: number; max: number };
  /** The machine's one-minute load average as the phase began: other work on the same cores. */
  loadAverage: number;
}

/** The quiet tenant's lookups, with or without the flood, both told to go at the same moment. */
async function runPhase(subgraphs: BenchSubgraphs, gateway: GatewayProcess, quiet: QuietSpec, flood?: FloodSpec): Promise<PhaseResult> {
  const clients: Array<ClientChild<unknown>> = [];
  try {
    // A flooded quiet schedule may run late up to the flood's own bound.
    const quietClient = startClient<QuietResult>('quiet', quiet, flood ? flood.maxSeconds : quiet.durationSeconds);
    clients.push(quietClient);
    const floodClient = flood ? startClient<FloodResult>('flood', flood, flood.maxSeconds) : undefined;
    if (floodClient) clients.push(floodClient);
    await Promise.all(clients.map((client) => client.ready));
    const loadAverage = round(loadavg()[0], 2);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const gatewayBefore = cpuMsOf(gateway.pid);
    const selfBefore = cpuMsOf('self');
    const started = Date.now();
    for (const client of clients) client.go();
    // The flood lasts until the quiet tenant's last measured lookup is answered, however late that is.
    const quietResult = await quietClient.result;
    floodClient?.tell(STOP_LINE);
    const floodResult = await floodClient?.result;
    const wallMs = Date.now() - started;
    loopDelay.disable();
    const ms = (nanoseconds: number) => round(nanoseconds / 1e6, 1);
    const result: PhaseResult = {
      quiet: quietResult,
      ...(floodResult ? { flood: floodResult } : {}),
      gatewayCpuPercent: round(((cpuMsOf(gateway.pid) - gatewayBefore) / wallMs) * 100, 0),
      subgraphsCpuPercent: round(((cpuMsOf('self') - selfBefore) / wallMs) * 100, 0),
      subgraphsLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
      loadAverage,
    };
    await settle(subgraphs, gateway.pid);
    return result;
  } finally {
    for (const client of clients) client.kill();
  }
}

/** Gateway A alone with a quiet tenant, then the same while another tenant floods it; figures side by side. */
export async function runNoisyNeighbour(options: BenchOptions, progress: (message: string) => void): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'palisade-bench-noisy-'));
  // Rate-limit counters outlive a run in Redis: every run's callers are new, so none starts with a spent budget.
  const run = randomBytes(4).toString('hex');
  const mode = palisadeMode();
  let subgraphs: BenchSubgraphs | undefined;
  let gateway: GatewayProcess | undefined;
  try {
    progress(`starting the subgraphs with demo data scale ${options.scale} (identity on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`);
    subgraphs = await startSubgraphs(options.scale);
    const manifestPath = writeNoisyManifest(workDir);
    const { jwksFile } = await prepareTokenAndJwks(workDir);
    gateway = await startPalisade({ subgraphs, workDir, jwksFile, manifestPath }, { rateLimits: 'defaults' });
    progress(`gateway A (${mode.nodeEnv}, default budgets and admission limits) listening at ${gateway.url}`);

    const token = (tenant: string, clientId: string) =>
      signDevelopmentToken({ directory: workDir, sub: `${clientId}-${run}`, tenant, scopes: ['incidents:read'], kind: 'script', clientId: `${clientId}-${run}`, expiresIn: '2h' });
    const quietTokens = await Promise.all(Array.from({ length: QUIET_CALLERS }, (_, index) => token(QUIET_TENANT, `quiet-${index + 1}`)));
    const floodToken = await token(FLOOD_TENANT, 'flood');
    const uids = await quietTenantUids(subgraphs);
    const lookupId = operationId(manifestPath, QUIET_OPERATION);
    const floodId = operationId(manifestPath, FLOOD_OPERATION);
    const budget = DEFAULT_BUDGETS.script;
    const ratePerCaller = round((QUIET_BUDGET_SHARE * budget.requests) / (budget.windowMs / 1000), 2);
    const quiet: QuietSpec = { url: gateway.url, operationName: QUIET_OPERATION, id: lookupId, tokens: quietTokens, uids, ratePerCaller, warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds };
    const allowedListLength = DEFAULT_OPERATION_LIMITS.script.maxListLength;
    const refusedConnections = Math.floor(options.connections / 2);
    const flood: FloodSpec = {
      url: gateway.url,
      operationName: FLOOD_OPERATION,
      id: floodId,
      token: floodToken,
      statuses: STATUSES,
      heavyConnections: options.connections - refusedConnections,
      allowedListLength,
      refusedConnections,
      refusedListLength: REFUSED_LIST_LENGTH,
      // A bound only: the flood is told to stop once the quiet tenant's lookups are done.
      maxSeconds: options.durationSeconds * FLOODED_PHASE_FACTOR + FLOODED_PHASE_MARGIN_SECONDS,
    };

    // Checked by callers of their own, so that the measured callers' budgets are whole; this warms A's caches too.
    const checker = { quiet: await token(QUIET_TENANT, 'check'), flood: await token(FLOOD_TENANT, 'check') };
    const lookupBody = JSON.stringify({ operationName: QUIET_OPERATION, variables: { uid: uids[0] }, extensions: { persistedQuery: { version: 1, sha256Hash: lookupId } } });
    await check(gateway.url, checker.quiet, lookupBody, 'the quiet lookup', (status, text) => status === 200 && text.includes(`"uid":"${uids[0]}"`) && !text.includes('"errors"'));
    await check(gateway.url, checker.flood, floodBody(flood, allowedListLength, 0), 'the heavy flood request', (status, text) => status === 200 && text.includes('"edges"') && !text.includes('"errors"'));
    await check(gateway.url, checker.flood, floodBody(flood, REFUSED_LIST_LENGTH, 0), `the flood request with ${REFUSED_LIST_LENGTH} values`, (status, text) => status === 400 && text.includes('OPERATION_LIMIT_EXCEEDED'));
    progress(`checked: the lookup answers, the heavy request answers, ${REFUSED_LIST_LENGTH} values are refused; ${QUIET_CALLERS} quiet callers at ${ratePerCaller} lookups/s each`);

    progress(`phase 1: ${QUIET_TENANT} alone, ${options.warmupSeconds} s warm-up, ${options.durationSeconds} s measured`);
    const alone = await runPhase(subgraphs, gateway, quiet);
    progress(`  ${alone.quiet.answered} lookups, p99 ${alone.quiet.latency.p99} ms, ${alone.quiet.errors} errors`);
    progress(`phase 2: ${QUIET_TENANT} while ${FLOOD_TENANT} floods on ${options.connections} connections, ${options.durationSeconds} s`);
    const flooded = await runPhase(subgraphs, gateway, quiet, flood);
    progress(`  ${flooded.quiet.answered} lookups, p99 ${flooded.quiet.latency.p99} ms, ${flooded.quiet.errors} errors; flood: ${flooded.flood!.heavy.answered} heavy requests answered`);

    report(options, mode.description, { quiet, flood, ratePerCaller, floodCost: floodCost() }, alone, flooded);
  } finally {
    await gateway?.stop();
    await subgraphs?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((total, value) => total + value, 0);
const sumRefused = (refused: Record<string, Record<string, number>>) => sum(Object.fromEntries(Object.entries(refused).map(([code, byLimit]) => [code, sum(byLimit)])));
/** Both refusal codes, even when nothing was refused with one, then any other. */
const describe = (refused: Record<string, Record<string, number>>) =>
  [...new Set(['OPERATION_LIMIT_EXCEEDED', 'RATE_LIMITED', ...Object.keys(refused)])]
    .map((code) => {
      const byLimit = refused[code] ?? {};
      const limits = Object.entries(byLimit).map(([limit, count]) => `${limit} ${count}`);
      return `${code} ${sum(byLimit)}${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`;
    })
    .join(', ');
const describeErrors = (errors: Record<string, number>) => Object.entries(errors).map(([kind, count]) => `${kind} ${count}`).join(', ') || 'none';

/** A phase's figures for the JSON: the quiet tenant's summary (not every sample) and the process facts. */
function phaseFigures(phase: PhaseResult) {
  const { samples: _samples, ...quiet } = phase.quiet;
  const { quiet: _quiet, flood: _flood, ...facts } = phase;
  return { ...quiet, ...facts };
}

/**
 * The quiet tenant's lookups answered before the flood's first RATE_LIMITED (while its budgets let all of it
 * through and only the bounds on work in flight held it) and after. Both clients start at the same "go".
 */
function splitAtFirstRateLimited(quiet: QuietResult, flood: FloodResult) {
  const at = flood.firstRateLimitedAtSeconds;
  if (at === undefined) return undefined;
  const part = (keep: (answeredAt: number) => boolean) => {
    const latencies = quiet.samples.filter(([answeredAt]) => keep(answeredAt)).map(([, ms]) => ms);
    return { lookups: latencies.length, latency: summarizeLatency(latencies) };
  };
  return { atSeconds: round(at, 2), before: part((answeredAt) => answeredAt < at), after: part((answeredAt) => answeredAt >= at) };
}

function report(options: BenchOptions, gatewayA: string, specs: { quiet: QuietSpec; flood: FloodSpec; ratePerCaller: number; floodCost: number }, alone: PhaseResult, flooded: PhaseResult): void {
  const flood = flooded.flood!;
  const ratio = (pick: (q: QuietResult) => number) => round(pick(flooded.quiet) / pick(alone.quiet), 2);
  const ratios = { p50: ratio((q) => q.latency.p50), p95: ratio((q) => q.latency.p95), p99: ratio((q) => q.latency.p99) };
  const budget = DEFAULT_BUDGETS.script;
  const limits = DEFAULT_OPERATION_LIMITS.script;
  const split = splitAtFirstRateLimited(flooded.quiet, flood);
  const configuration = {
    gatewayA,
    rateLimits: `production defaults (no CLIENT_POLICIES): each script caller ${budget.requests} requests and ${budget.cost} cost per ${budget.windowMs / 1000} s (GCRA: the whole budget as a burst, then an even rate), no caller exempt`,
    admission: `defaults: ${DEFAULT_ADMISSION.perCaller} requests in flight per caller, ${DEFAULT_ADMISSION.perTenant} per tenant, ${DEFAULT_ADMISSION.maxWaiting} waiting per tenant for at most ${DEFAULT_ADMISSION.maxWaitMs} ms`,
    operationLimits: `defaults for scripts: maxListLength ${limits.maxListLength}, maxListItems ${limits.maxListItems}, maxCost ${DEFAULT_MAX_COST.script} per operation; the heavy flood request is estimated at ${specs.floodCost}`,
    quiet: `tenant ${QUIET_TENANT}: ${QUIET_CALLERS} script callers (client ids of their own), one keep-alive connection each, ${specs.ratePerCaller} ${QUIET_OPERATION} per second each (${QUIET_BUDGET_SHARE * 100}% of a script's sustained request budget), evenly spaced, over ${specs.quiet.uids.length} uids of the tenant in turn; persisted id; from a child process`,
    flood: `tenant ${FLOOD_TENANT}: one script caller, ${specs.flood.heavyConnections} connections sending ${FLOOD_OPERATION} (incidents first: 100 with description and timeline, filter.status of ${specs.flood.allowedListLength} values) and ${specs.flood.refusedConnections} sending it with ${specs.flood.refusedListLength} values, as fast as answered, every list in an order no other request has, until the quiet tenant's last measured lookup is answered; persisted id; autocannon in another child process`,
  };
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      durationSecondsPerPhase: options.durationSeconds,
      quietWarmupSeconds: options.warmupSeconds,
      floodConnections: options.connections,
      demoDataScale: options.scale,
      identityStore: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      documentStore: 'embedded (no MongoDB server here)',
      redis: process.env.REDIS_URL ? 'used by A' : 'not set',
      gatewayAMode: palisadeMode().nodeEnv,
      ...configuration,
      order: 'phase 1: the quiet tenant alone; phase 2: the quiet tenant and the flood told to go at the same moment; A settles between them. The three subgraphs run in the benchmark process, A in a child, each client in a child; all on 127.0.0.1, on the same cores.',
    },
    quietAlone: phaseFigures(alone),
    quietDuringFlood: phaseFigures(flooded),
    floodOverAlone: ratios,
    quietDuringFloodBeforeAndAfterItsFirstRateLimited: split ?? null,
    flood,
  };
  const cell = (value: string | number, width = 10) => String(value).padStart(width);
  const row = (name: string, phase: PhaseResult) =>
    `${name.padEnd(22)}${[phase.quiet.answered, round(phase.quiet.answered / phase.quiet.seconds, 1), phase.quiet.latency.p50, phase.quiet.latency.p95, phase.quiet.latency.p99, phase.quiet.latency.max, phase.quiet.errors, phase.quiet.late, `${phase.gatewayCpuPercent}%`, `${phase.subgraphsCpuPercent}%`, phase.subgraphsLoopDelayMs.p99, phase.loadAverage].map((v) => cell(v)).join('')}`;
  const floodTotal = (pick: (o: FloodResult['heavy']) => number) => pick(flood.heavy) + pick(flood.refusedLists);
  const quietErrors = [alone, flooded].filter((phase) => phase.quiet.errorExample).map((phase) => `  ${phase === alone ? 'alone' : 'during flood'}: ${describeErrors(phase.quiet.errorsByKind)}; e.g. ${phase.quiet.errorExample}`);
  process.stdout.write(
    [
      '',
      `Palisade noisy neighbour, ${results.date}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}`,
      `${options.durationSeconds} s per phase; demo data scale ${options.scale}; identity on ${results.settings.identityStore}, assets and incidents on the embedded document store`,
      `A: ${configuration.gatewayA}`,
      `rate limits: ${configuration.rateLimits}`,
      `admission: ${configuration.admission}; operation limits: ${configuration.operationLimits}`,
      `quiet: ${configuration.quiet}`,
      `flood: ${configuration.flood}`,
      'latency: send to last byte. errors: non-200, GraphQL errors, another incident, connection errors, timeouts. late: lookups sent over one interval after their slot.',
      `CPU: % of one core while the clients ran (${results.machine.cores} cores in all), of gateway A and of the benchmark process (the three subgraphs). sub loop: p99 event-loop delay of the subgraphs' process, ms (sampled every 10 ms, which the figure includes). load: the machine's 1-minute load average as the phase began.`,
      '',
      `${'quiet tenant'.padEnd(22)}${['lookups', 'rps', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'late', 'A CPU', 'sub CPU', 'sub loop', 'load'].map((v) => cell(v)).join('')}`,
      row('alone', alone),
      row('during the flood', flooded),
      `during / alone: p50 ${ratios.p50}, p95 ${ratios.p95}, p99 ${ratios.p99}`,
      `from each lookup's slot in the schedule (late sends included): p99 ${alone.quiet.latencyFromSlot.p99} ms alone, ${flooded.quiet.latencyFromSlot.p99} ms during the flood`,
      split
        ? `during the flood, answered before its first RATE_LIMITED (${split.atSeconds} s): ${split.before.lookups} lookups, p50 ${split.before.latency.p50} ms, p99 ${split.before.latency.p99} ms; after: ${split.after.lookups} lookups, p50 ${split.after.latency.p50} ms, p99 ${split.after.latency.p99} ms`
        : 'the flood was never refused RATE_LIMITED: its budgets let all of it through, and only the bounds on work in flight held it',
      '',
      `flood, ${round(flood.seconds, 1)} s: ${floodTotal((o) => o.sent)} requests sent, ${floodTotal((o) => o.answered + sumRefused(o.refused) + sum(o.errors))} ended (the rest were cut off when it stopped)`,
      `  heavy (${specs.flood.allowedListLength} values): ${flood.heavy.sent} sent, ${flood.heavy.answered} answered (p50 ${flood.heavy.answeredLatency.p50} ms, p99 ${flood.heavy.answeredLatency.p99} ms), refused ${sumRefused(flood.heavy.refused)}: ${describe(flood.heavy.refused)}; errors: ${describeErrors(flood.heavy.errors)}`,
      `  ${specs.flood.refusedListLength} values: ${flood.refusedLists.sent} sent, ${flood.refusedLists.answered} answered, refused ${sumRefused(flood.refusedLists.refused)}: ${describe(flood.refusedLists.refused)}; errors: ${describeErrors(flood.refusedLists.errors)}`,
      `  heavy requests answered per second: ${flood.answeredPerSecond.join(' ')}${flood.firstRateLimitedAtSeconds === undefined ? '' : `; first RATE_LIMITED after ${round(flood.firstRateLimitedAtSeconds, 2)} s`}`,
      `  the flood's budgets: requests ${budget.requests} a minute (last RateLimit header: ${flood.lastRateLimitHeader ?? 'none'}); cost ${budget.cost} a minute, of which its ${flood.heavy.answered} heavy answers took ${flood.heavy.answered * specs.floodCost} (${specs.floodCost} each)`,
      ...(flood.errorExample ? [`  flood error example: ${flood.errorExample}`] : []),
      ...(quietErrors.length > 0 ? ['', 'quiet errors:', ...quietErrors] : []),
      '',
      `written: ${writeJson('noisy-neighbour.json', results)}`,
      '',
    ].join('\n'),
  );
}
