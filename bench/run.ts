// npm run bench [-- options]: Palisade (A) against stock @apollo/gateway (B) and Hive Gateway (C). See USAGE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayProcess } from './gateway-process';
import { GATEWAY_LABELS, palisadeMode, prepareTokenAndJwks, SAMPLE_MANIFEST_PATH, startPalisade, startStockGateway, GATEWAY_NOTES, isPalisade, writeStockSupergraph, type GatewayKey } from './gateways';
import { checkTarget, measure, requestBuildMicros, round, summarize, type Measurement, type RunSettings, type Summary, type Target } from './measure';
import { parseBenchOptions, USAGE, UsageError, type BenchOptions } from './options';
import { runIngest } from './ingest';
import { runNoisyNeighbour } from './noisy-neighbour';
import { machine, RESULTS_DIR, table, writeJson } from './report';
import { runScaling } from './scaling';
import { runSoak } from './soak';
import { runSubscriptions } from './subscriptions';
import { startSubgraphs, type BenchSubgraphs } from './subgraphs';
import { BENCH_PRINCIPAL } from './principal-data-source';
import { directHeaders, directTarget, gatewayTarget, variedDirectTarget, variedGatewayTarget } from './targets';
import { CALLERS_PER_WORKLOAD, CLIENT_ID, makeCallers } from './varied-callers';
import { readCatalogue, startSequence, VARIED_WORKLOADS } from './varied-workloads';
import { readManifest, WORKLOADS, type ListedOperation } from './workloads';

/** Seconds of the one-connection lookup that measures what a gateway adds without queueing. */
const PROBE_SECONDS = 10;

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** The comparison's workloads, in the order they run and print. */
const WORKLOAD_KEYS = WORKLOADS.map((w) => w.key);

/** One kind of workload's targets, keyed `<prefix><workload>/<gateway>`: the identical one's prefix is '', the varied one's 'varied/'. */
interface Suite {
  kind: 'identical' | 'varied';
  prefix: string;
  targets: Map<string, Target>;
}

async function runComparison(options: BenchOptions): Promise<void> {
  const keys: GatewayKey[] = options.withoutDedup ? ['A', 'B', 'C', 'D', 'E'] : ['A', 'B', 'C'];
  const workDir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  const gateways: Partial<Record<GatewayKey, GatewayProcess>> = {};
  let subgraphs: BenchSubgraphs | undefined;
  try {
    progress(`starting the subgraphs with demo data scale ${options.scale} (identity on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`);
    subgraphs = await startSubgraphs(options.scale);
    progress(`subgraphs ready in ${(subgraphs.startupMs / 1000).toFixed(1)} s`);
    const { token, jwksFile } = await prepareTokenAndJwks(workDir);
    const setup = { subgraphs, workDir, jwksFile, manifestPath: SAMPLE_MANIFEST_PATH, cpuProfileDir: options.profile ? RESULTS_DIR : undefined };
    const stockSupergraph = writeStockSupergraph(workDir, subgraphs.urls);
    for (const key of keys) {
      gateways[key] = isPalisade(key) ? await startPalisade(setup, { deduplication: key === 'A' }) : await startStockGateway(key, setup, stockSupergraph);
    }
    progress('gateways listening: ' + keys.map((key) => `${key} ${gateways[key]!.url} (pid ${gateways[key]!.pid})`).join(', '));

    const manifest = readManifest(SAMPLE_MANIFEST_PATH);
    const running = keys.map((key) => [key, gateways[key]!] as const);
    const suites: Suite[] = [];
    if (options.workload !== 'varied') suites.push({ kind: 'identical', prefix: '', targets: identicalTargets(running, subgraphs, manifest, token) });
    if (options.workload !== 'identical') {
      progress(`varied workload, seed ${options.seed}: paging the board's filters and signing ${CALLERS_PER_WORKLOAD} callers' tokens per workload`);
      suites.push({ kind: 'varied', prefix: 'varied/', targets: await variedTargets(running, subgraphs, manifest, options, workDir) });
    }
    const settings: RunSettings = { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds };
    const probeSettings: RunSettings = { connections: 1, durationSeconds: PROBE_SECONDS, warmupSeconds: Math.min(options.warmupSeconds, 2) };
    const loadSeconds = suites.length * ((options.durationSeconds + options.warmupSeconds) * (keys.length * WORKLOAD_KEYS.length + 1) * options.rounds + (PROBE_SECONDS + 2) * (keys.length + 1));
    for (const suite of suites) for (const target of suite.targets.values()) await checkTarget(target);
    progress(`every target answers cleanly; at least ${Math.ceil(loadSeconds / 60)} min of load follows`);

    const measurements = new Map<string, Measurement[]>();
    const run = async (key: string, target: Target, runSettings: RunSettings, label: string) => {
      progress(`${label}: ${target.label}`);
      const measurement = await measure(target, subgraphs!, runSettings);
      measurements.set(key, [...(measurements.get(key) ?? []), measurement]);
      const errors = measurement.non2xx + measurement.graphqlErrors + measurement.connectionErrors;
      progress(`  ${measurement.requests} responses, ${round(measurement.requests / measurement.seconds, 1)} req/s, ${errors} errors`);
    };
    const lookupKeys = [...keys, 'direct'];
    for (let roundNumber = 1; roundNumber <= options.rounds; roundNumber++) {
      for (const { prefix, targets } of suites) {
        for (const workload of WORKLOAD_KEYS) {
          for (const key of workload === 'lookup' ? lookupKeys : keys) {
            await run(`${prefix}${workload}/${key}`, targets.get(`${prefix}${workload}/${key}`)!, settings, `round ${roundNumber}/${options.rounds}`);
          }
        }
      }
    }
    for (const { prefix, targets } of suites) {
      for (const key of lookupKeys) await run(`probe/${prefix}lookup/${key}`, targets.get(`${prefix}lookup/${key}`)!, probeSettings, 'one connection');
    }

    const summaries = new Map([...measurements].map(([key, list]) => [key, summarize(list)]));
    const figures = new Map(suites.map((suite) => [suite.kind, suiteResults(suite.prefix, keys, summaries)]));
    const results = comparisonResults(options, keys, subgraphs, figures, suites);
    const errorExamples = [...summaries].filter(([, s]) => s.errorExample).map(([key, s]) => `  ${key}: ${s.errorExample}`);
    process.stdout.write(
      [
        '',
        `Palisade benchmark, ${results.date}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}, load average ${results.machine.loadAverage.join(' ')} at the end`,
        `${options.connections} connections, ${options.durationSeconds} s per run after ${options.warmupSeconds} s warm-up, ${options.rounds} round(s) alternating ${keys.join(', ')}; demo data scale ${options.scale}; identity on ${subgraphs.identityStore}, assets and incidents on the embedded document store`,
        ...keys.map((key) => `${key}: ${key === 'A' ? results.settings.gatewayA : GATEWAY_NOTES[key as Exclude<GatewayKey, 'A'>]}`),
        'rps, latency: answered requests. errors: non-2xx, GraphQL errors, connection errors and timeouts. RSS: peak of the gateway process during the measured runs (direct: this process, which holds the subgraphs and the load generator).',
        'CPU ms/req: that process, per request sent. sub CPU/req: this process (subgraphs and load generator; PGlite, when used, has a thread here). DB/req: round trips of all three subgraphs per request sent.',
        ...suites.flatMap((suite) => suiteReport(suite, keys, summaries, figures.get(suite.kind)!, options)),
        ...(errorExamples.length > 0 ? ['', 'error examples:', ...errorExamples] : []),
        '',
        // A profiled run is slower: it does not replace the figures of a plain one.
        `written: ${writeJson(options.profile ? 'latest-profiled.json' : 'latest.json', results)}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const key of keys) await gateways[key]?.stop();
    await subgraphs?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

type Running = ReadonlyArray<readonly [GatewayKey, GatewayProcess]>;

/** Every connection sends the same request: A and E as the benchmark's script, by persisted id. */
function identicalTargets(gateways: Running, subgraphs: BenchSubgraphs, manifest: Map<string, ListedOperation>, token: string): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const workload of WORKLOADS) {
    for (const [key, gateway] of gateways) targets.set(`${workload.key}/${key}`, gatewayTarget(key, gateway, workload, manifest, token));
  }
  const lookup = WORKLOADS.find((w) => w.key === 'lookup')!;
  targets.set('lookup/direct', directTarget('direct lookup (incidents subgraph)', subgraphs.urls.incidents, manifest.get(lookup.operationName)!, lookup, subgraphs));
  return targets;
}

/** Each request the next of the workload's seeded sequence; every target's run starts it anew. */
async function variedTargets(gateways: Running, subgraphs: BenchSubgraphs, manifest: Map<string, ListedOperation>, options: BenchOptions, workDir: string): Promise<Map<string, Target>> {
  const catalogue = await readCatalogue(options.scale, subgraphs.urls.incidents, (tenant) => directHeaders(subgraphs.principalSecret, { ...BENCH_PRINCIPAL, tenant, sub: `bench-${tenant}` }));
  const targets = new Map<string, Target>();
  for (const workload of VARIED_WORKLOADS) {
    const callers = await makeCallers(workload, options.scale, options.seed, workDir, subgraphs.principalSecret);
    const draws = () => startSequence(workload, callers, catalogue, options.seed);
    for (const [key, gateway] of gateways) targets.set(`varied/${workload.key}/${key}`, variedGatewayTarget(key, gateway, workload, manifest, draws));
    if (workload.key === 'lookup') targets.set('varied/lookup/direct', variedDirectTarget('direct lookup (incidents subgraph), varied', subgraphs.urls.incidents, manifest.get(workload.operationName)!, workload, draws));
  }
  return targets;
}

/** A suite's table, ratios and one-connection lookups, as printed. */
function suiteReport(suite: Suite, keys: readonly GatewayKey[], summaries: Map<string, Summary>, figures: SuiteResults, options: BenchOptions): string[] {
  const of = (key: string) => summaries.get(`${suite.prefix}${key}`)!;
  const rows = WORKLOAD_KEYS.flatMap((workload) => [
    ...keys.map((key) => ({ group: workload, name: GATEWAY_LABELS[key], summary: of(`${workload}/${key}`) })),
    ...(workload === 'lookup' ? [{ group: workload, name: 'direct to incidents subgraph', summary: of('lookup/direct') }] : []),
  ]);
  const probeRows = [...keys.map((key) => ({ group: 'lookup', name: `${GATEWAY_LABELS[key]}, 1 conn`, summary: summaries.get(`probe/${suite.prefix}lookup/${key}`)! })), { group: 'lookup', name: 'direct, 1 conn', summary: summaries.get(`probe/${suite.prefix}lookup/direct`)! }];
  const ratios = WORKLOAD_KEYS.map((workload) => {
    const r = figures[workload];
    const withoutDedup = r.rpsEB === undefined ? '' : `  rps A/D ${r.rpsAD}  rps A/E ${r.rpsAE}  rps E/B ${r.rpsEB}  p99 E/B ${r.p99EB}`;
    return `${workload.padEnd(8)} rps A/B ${r.rpsAB}  rps A/C ${r.rpsAC}  p99 A/B ${r.p99AB}  CPU/req A/B ${r.cpuAB}${withoutDedup}`;
  });
  const added = (values: Record<string, number>) => keys.map((key) => `${key} +${values[key]} ms`).join(', ');
  const heading =
    suite.kind === 'identical'
      ? 'IDENTICAL workload: every connection sends the same request as the same caller (a script of acme with every read scope)'
      : `VARIED workload, seed ${options.seed}: each request the next of a seeded sequence, ${CALLERS_PER_WORKLOAD} callers per workload (users of acme and globex, each with a scope set of their own) and variables of the caller's tenant`;
  return [
    '',
    heading,
    '',
    table(rows),
    '',
    ...ratios,
    `gateway added at p50 over the direct lookup, ${options.connections} connections (direct ${figures.lookup.direct.p50} ms): ${added(figures.lookup.gatewayAddedP50Ms)}`,
    `gateway added at p50 over the direct lookup, 1 connection (direct ${figures.lookup.oneConnection.direct.p50} ms): ${added(figures.lookup.oneConnectionAddedP50Ms)}`,
    '',
    table(probeRows),
  ];
}

function addedOver(direct: Summary, gateways: Partial<Record<GatewayKey, Summary>>): Record<string, number> {
  return Object.fromEntries(Object.entries(gateways).map(([key, summary]) => [key, round(summary.p50 - direct.p50, 2)]));
}

/** Each gateway's figures per workload with A's ratios to the others, and the lookup's measure of what a gateway adds. */
function suiteResults(prefix: string, keys: readonly GatewayKey[], summaries: Map<string, Summary>) {
  const perWorkload = (workload: string) => {
    const of = (key: GatewayKey) => summaries.get(`${prefix}${workload}/${key}`)!;
    const gateways = Object.fromEntries(keys.map((key) => [key, of(key)])) as Partial<Record<GatewayKey, Summary>>;
    return {
      ...(gateways as Record<'A' | 'B' | 'C', Summary> & { D?: Summary; E?: Summary }),
      rpsAB: round(of('A').rps / of('B').rps, 3),
      rpsAC: round(of('A').rps / of('C').rps, 3),
      p99AB: round(of('A').p99 / of('B').p99, 3),
      cpuAB: round(of('A').cpuMsPerRequest / of('B').cpuMsPerRequest, 3),
      ...(gateways.D ? { rpsAD: round(of('A').rps / of('D').rps, 3) } : {}),
      ...(gateways.E ? { rpsAE: round(of('A').rps / of('E').rps, 3), rpsEB: round(of('E').rps / of('B').rps, 3), p99EB: round(of('E').p99 / of('B').p99, 3) } : {}),
    };
  };
  const workloads: Record<string, ReturnType<typeof perWorkload>> = Object.fromEntries(WORKLOAD_KEYS.map((w) => [w, perWorkload(w)]));
  const direct = summaries.get(`${prefix}lookup/direct`)!;
  const probeDirect = summaries.get(`probe/${prefix}lookup/direct`)!;
  const probes = Object.fromEntries(keys.map((key) => [key, summaries.get(`probe/${prefix}lookup/${key}`)!])) as Partial<Record<GatewayKey, Summary>>;
  const lookup = {
    ...workloads.lookup,
    direct,
    gatewayAddedP50Ms: addedOver(direct, Object.fromEntries(keys.map((key) => [key, workloads.lookup[key as 'A']])) as Partial<Record<GatewayKey, Summary>>),
    oneConnection: { ...probes, direct: probeDirect },
    oneConnectionAddedP50Ms: addedOver(probeDirect, probes),
  };
  return { ...workloads, lookup } as Record<string, ReturnType<typeof perWorkload>> & { lookup: typeof lookup };
}

type SuiteResults = ReturnType<typeof suiteResults>;

function variedSettings(options: BenchOptions, suite: Suite, keys: readonly GatewayKey[]) {
  const buildCost = (workload: string) =>
    Object.fromEntries([...keys, 'direct'].flatMap((key) => {
      const target = suite.targets.get(`${suite.prefix}${workload}/${key}`);
      return target ? [[key, requestBuildMicros(target)]] : [];
    }));
  return {
    seed: options.seed,
    callersPerWorkload: CALLERS_PER_WORKLOAD,
    requests: `each request the next of the workload's sequence, seeded by the seed; every gateway's run starts it anew, so all are sent the same requests in the same order (and round 2 repeats round 1's). Callers: users of the demo data (acme and globex in proportion to their users, kind user, client ${CLIENT_ID}), each holding the workload's required scopes and each other scope by a coin toss. A and E: persisted id with the caller's signed JWT; B, C, D: the document as text, the caller's principal in a plain header that they sign per subgraph fetch; direct: the caller's signed principal header. Every uid is of the caller's tenant and exists: no request is answered null or forbidden`,
    workloads: Object.fromEntries(VARIED_WORKLOADS.map((w) => [w.key, w.description])),
    /** CPU µs the load generator spends drawing and writing one request's body (autocannon's framing aside), per workload and target. */
    requestBuildMicros: Object.fromEntries(WORKLOAD_KEYS.map((workload) => [workload, buildCost(workload)])),
  };
}

function comparisonResults(options: BenchOptions, keys: readonly GatewayKey[], subgraphs: BenchSubgraphs, figures: Map<Suite['kind'], SuiteResults>, suites: readonly Suite[]) {
  const ran = (kind: Suite['kind']) => suites.find((suite) => suite.kind === kind);
  const identical = ran('identical');
  const varied = ran('varied');
  return {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      rounds: options.rounds,
      order: `per round, the identical workload then the varied one, per workload: ${keys.join(', ')} (and the direct lookup), each gateway in its own child process, all traffic on 127.0.0.1; then the lookup with one connection (${PROBE_SECONDS} s each)`,
      demoDataScale: options.scale,
      identityStore: subgraphs.identityStore,
      documentStore: 'embedded (no MongoDB server here)',
      redis: process.env.REDIS_URL ? 'used by A' : 'not set',
      gatewayAMode: palisadeMode().nodeEnv,
      gatewayA: palisadeMode().description,
      gatewayB: GATEWAY_NOTES.B,
      gatewayC: GATEWAY_NOTES.C,
      ...(keys.includes('D') ? { gatewayD: GATEWAY_NOTES.D, gatewayE: GATEWAY_NOTES.E } : {}),
      loadGenerator: 'autocannon in the benchmark process, which also runs the three subgraphs',
      ...(identical
        ? {
            requests: 'A and E: persisted id (extensions.persistedQuery.sha256Hash) with a script token holding every read scope; B, C, D: the same document as text; direct: the lookup to the incidents subgraph with a signed principal header',
            workloads: Object.fromEntries(WORKLOADS.map((w) => [w.key, w.description])),
          }
        : {}),
      ...(varied ? { varied: variedSettings(options, varied, keys) } : {}),
    },
    ...(identical ? { workloads: figures.get('identical')! } : {}),
    ...(varied ? { varied: { seed: options.seed, ...figures.get('varied')! } } : {}),
  };
}

async function main(): Promise<void> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError) && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') !== true) throw error;
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.ingest) await runIngest(options, progress);
  else if (options.soakSeconds > 0) await runSoak(options, progress);
  else if (options.noisyNeighbour) await runNoisyNeighbour(options, progress);
  else if (options.subscriptions) await runSubscriptions(options, progress);
  else await (options.scaling ? runScaling(options, progress) : runComparison(options));
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
