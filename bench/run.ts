// npm run bench [-- options]: Palisade (A) against stock @apollo/gateway (B) and Hive Gateway (C). See USAGE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayProcess } from './gateway-process';
import { GATEWAY_LABELS, palisadeMode, prepareTokenAndJwks, SAMPLE_MANIFEST_PATH, startPalisade, startStockGateway, GATEWAY_NOTES, isPalisade, writeStockSupergraph, type GatewayKey } from './gateways';
import { checkTarget, measure, round, summarize, type Measurement, type RunSettings, type Summary, type Target } from './measure';
import { parseBenchOptions, USAGE, UsageError, type BenchOptions } from './options';
import { runIngest } from './ingest';
import { runNoisyNeighbour } from './noisy-neighbour';
import { machine, RESULTS_DIR, table, writeJson } from './report';
import { runScaling } from './scaling';
import { runSoak } from './soak';
import { runSubscriptions } from './subscriptions';
import { startSubgraphs, type BenchSubgraphs } from './subgraphs';
import { directTarget, gatewayTarget } from './targets';
import { readManifest, WORKLOADS } from './workloads';

/** Seconds of the one-connection lookup that measures what a gateway adds without queueing. */
const PROBE_SECONDS = 10;

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
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
    const settings: RunSettings = { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds };
    const probeSettings: RunSettings = { connections: 1, durationSeconds: PROBE_SECONDS, warmupSeconds: Math.min(options.warmupSeconds, 2) };
    const loadSeconds = (options.durationSeconds + options.warmupSeconds) * (keys.length * WORKLOADS.length + 1) * options.rounds + (PROBE_SECONDS + 2) * (keys.length + 1);
    const lookup = WORKLOADS.find((w) => w.key === 'lookup')!;
    const targets = new Map<string, Target>();
    for (const workload of WORKLOADS) {
      for (const key of keys) targets.set(`${workload.key}/${key}`, gatewayTarget(key, gateways[key]!, workload, manifest, token));
    }
    targets.set('lookup/direct', directTarget('direct lookup (incidents subgraph)', subgraphs.urls.incidents, manifest.get(lookup.operationName)!, lookup, subgraphs));
    for (const target of targets.values()) await checkTarget(target);
    progress(`every target answers cleanly; at least ${Math.ceil(loadSeconds / 60)} min of load follows`);

    const measurements = new Map<string, Measurement[]>();
    const run = async (key: string, target: Target, runSettings: RunSettings, label: string) => {
      progress(`${label}: ${target.label}`);
      const measurement = await measure(target, subgraphs!, runSettings);
      measurements.set(key, [...(measurements.get(key) ?? []), measurement]);
      const errors = measurement.non2xx + measurement.graphqlErrors + measurement.connectionErrors;
      progress(`  ${measurement.requests} responses, ${round(measurement.requests / measurement.seconds, 1)} req/s, ${errors} errors`);
    };
    for (let roundNumber = 1; roundNumber <= options.rounds; roundNumber++) {
      for (const workload of WORKLOADS) {
        for (const key of [...keys.map((k) => `${workload.key}/${k}`), ...(workload.key === 'lookup' ? ['lookup/direct'] : [])]) {
          await run(key, targets.get(key)!, settings, `round ${roundNumber}/${options.rounds}`);
        }
      }
    }
    for (const key of [...keys.map((k) => `lookup/${k}`), 'lookup/direct']) {
      await run(`probe/${key}`, targets.get(key)!, probeSettings, 'one connection');
    }

    const summaries = new Map([...measurements].map(([key, list]) => [key, summarize(list)]));
    const results = comparisonResults(options, keys, subgraphs, summaries);
    const rows = WORKLOADS.flatMap((workload) => [
      ...keys.map((key) => ({ group: workload.key, name: GATEWAY_LABELS[key], summary: summaries.get(`${workload.key}/${key}`)! })),
      ...(workload.key === 'lookup' ? [{ group: workload.key, name: 'direct to incidents subgraph', summary: summaries.get('lookup/direct')! }] : []),
    ]);
    const probeRows = [...keys.map((key) => ({ group: 'lookup', name: `${GATEWAY_LABELS[key]}, 1 conn`, summary: summaries.get(`probe/lookup/${key}`)! })), { group: 'lookup', name: 'direct, 1 conn', summary: summaries.get('probe/lookup/direct')! }];
    const ratios = WORKLOADS.map((workload) => {
      const r = results.workloads[workload.key];
      const withoutDedup = r.rpsEB === undefined ? '' : `  rps A/D ${r.rpsAD}  rps E/B ${r.rpsEB}  p99 E/B ${r.p99EB}`;
      return `${workload.key.padEnd(8)} rps A/B ${r.rpsAB}  rps A/C ${r.rpsAC}  p99 A/B ${r.p99AB}${withoutDedup}`;
    });
    const added = (figures: Record<string, number>) => keys.map((key) => `${key} +${figures[key]} ms`).join(', ');
    const lookupResult = results.workloads.lookup;
    const errorExamples = [...summaries].filter(([, s]) => s.errorExample).map(([key, s]) => `  ${key}: ${s.errorExample}`);
    process.stdout.write(
      [
        '',
        `Palisade benchmark, ${results.date}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}`,
        `${options.connections} connections, ${options.durationSeconds} s per run after ${options.warmupSeconds} s warm-up, ${options.rounds} round(s) alternating ${keys.join(', ')}; demo data scale ${options.scale}; identity on ${subgraphs.identityStore}, assets and incidents on the embedded document store`,
        ...keys.map((key) => `${key}: ${key === 'A' ? results.settings.gatewayA : GATEWAY_NOTES[key as Exclude<GatewayKey, 'A'>]}`),
        'rps, latency: answered requests. errors: non-2xx, GraphQL errors, connection errors and timeouts. RSS: peak of the gateway process during the measured runs (direct: this process, which holds the subgraphs and the load generator).',
        'CPU ms/req: that process, per request sent. sub CPU/req: this process (subgraphs and load generator; PGlite, when used, has a thread here). DB/req: round trips of all three subgraphs per request sent.',
        '',
        table(rows),
        '',
        ...ratios,
        `gateway added at p50 over the direct lookup, ${options.connections} connections (direct ${lookupResult.direct.p50} ms): ${added(lookupResult.gatewayAddedP50Ms)}`,
        `gateway added at p50 over the direct lookup, 1 connection (direct ${lookupResult.oneConnection.direct.p50} ms): ${added(lookupResult.oneConnection.gatewayAddedP50Ms)}`,
        '',
        table(probeRows),
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

function addedOver(direct: Summary, gateways: Partial<Record<GatewayKey, Summary>>): Record<string, number> {
  return Object.fromEntries(Object.entries(gateways).map(([key, summary]) => [key, round(summary.p50 - direct.p50, 2)]));
}

function comparisonResults(options: BenchOptions, keys: readonly GatewayKey[], subgraphs: BenchSubgraphs, summaries: Map<string, Summary>) {
  const perWorkload = (workload: string) => {
    const of = (key: GatewayKey) => summaries.get(`${workload}/${key}`)!;
    const gateways = Object.fromEntries(keys.map((key) => [key, of(key)])) as Partial<Record<GatewayKey, Summary>>;
    return {
      ...(gateways as Record<'A' | 'B' | 'C', Summary> & { D?: Summary; E?: Summary }),
      rpsAB: round(of('A').rps / of('B').rps, 3),
      rpsAC: round(of('A').rps / of('C').rps, 3),
      p99AB: round(of('A').p99 / of('B').p99, 3),
      ...(gateways.D ? { rpsAD: round(of('A').rps / of('D').rps, 3) } : {}),
      ...(gateways.E ? { rpsEB: round(of('E').rps / of('B').rps, 3), p99EB: round(of('E').p99 / of('B').p99, 3) } : {}),
    };
  };
  const workloads: Record<string, ReturnType<typeof perWorkload>> = Object.fromEntries(WORKLOADS.map((w) => [w.key, perWorkload(w.key)]));
  const direct = summaries.get('lookup/direct')!;
  const probeDirect = summaries.get('probe/lookup/direct')!;
  const probes = Object.fromEntries(keys.map((key) => [key, summaries.get(`probe/lookup/${key}`)!])) as Partial<Record<GatewayKey, Summary>>;
  const lookup = {
    ...workloads.lookup,
    direct,
    gatewayAddedP50Ms: addedOver(direct, Object.fromEntries(keys.map((key) => [key, workloads.lookup[key as 'A']])) as Partial<Record<GatewayKey, Summary>>),
    oneConnection: { ...probes, direct: probeDirect, gatewayAddedP50Ms: addedOver(probeDirect, probes) },
  };
  return {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      rounds: options.rounds,
      order: `per round, per workload: ${keys.join(', ')} (and the direct lookup), each gateway in its own child process, all traffic on 127.0.0.1; then the lookup with one connection (${PROBE_SECONDS} s each)`,
      demoDataScale: options.scale,
      identityStore: subgraphs.identityStore,
      documentStore: 'embedded (no MongoDB server here)',
      redis: process.env.REDIS_URL ? 'used by A' : 'not set',
      gatewayAMode: palisadeMode().nodeEnv,
      gatewayA: palisadeMode().description,
      gatewayB: GATEWAY_NOTES.B,
      gatewayC: GATEWAY_NOTES.C,
      ...(keys.includes('D') ? { gatewayD: GATEWAY_NOTES.D, gatewayE: GATEWAY_NOTES.E } : {}),
      requests: 'A and E: persisted id (extensions.persistedQuery.sha256Hash) with a script token holding every read scope; B, C: the same document as text; direct: the lookup to the incidents subgraph with a signed principal header',
      loadGenerator: 'autocannon in the benchmark process, which also runs the three subgraphs',
      workloads: Object.fromEntries(WORKLOADS.map((w) => [w.key, w.description])),
    },
    workloads: { ...workloads, lookup } as Record<string, ReturnType<typeof perWorkload>> & { lookup: typeof lookup },
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
