// npm run bench [-- options]: Palisade (A) against stock @apollo/gateway (B) and Hive Gateway (C). See USAGE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayProcess } from './gateway-process';
import { GATEWAY_LABELS, palisadeMode, prepareTokenAndJwks, SAMPLE_MANIFEST_PATH, startPalisade, startStockGateway, STOCK_NOTES, writeStockSupergraph, type GatewayKey } from './gateways';
import { checkTarget, measure, round, summarize, type Measurement, type RunSettings, type Summary, type Target } from './measure';
import { parseBenchOptions, USAGE, UsageError, type BenchOptions } from './options';
import { machine, RESULTS_DIR, table, writeJson } from './report';
import { runScaling } from './scaling';
import { startSubgraphs, type BenchSubgraphs } from './subgraphs';
import { directTarget, gatewayTarget } from './targets';
import { readManifest, WORKLOADS } from './workloads';

const GATEWAYS: readonly GatewayKey[] = ['A', 'B', 'C'];

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function runComparison(options: BenchOptions): Promise<void> {
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
    gateways.A = await startPalisade(setup);
    gateways.B = await startStockGateway('B', setup, stockSupergraph);
    gateways.C = await startStockGateway('C', setup, stockSupergraph);
    progress('gateways listening: ' + GATEWAYS.map((key) => `${key} ${gateways[key]!.url} (pid ${gateways[key]!.pid})`).join(', '));

    const manifest = readManifest(SAMPLE_MANIFEST_PATH);
    const settings: RunSettings = { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds };
    const runSeconds = (options.durationSeconds + options.warmupSeconds) * (GATEWAYS.length * WORKLOADS.length + 1) * options.rounds;
    const lookup = WORKLOADS.find((w) => w.key === 'lookup')!;
    const direct = directTarget('direct lookup (incidents subgraph)', subgraphs.urls.incidents, manifest.get(lookup.operationName)!, lookup, subgraphs, runSeconds + 600);
    const targets = new Map<string, Target>();
    for (const workload of WORKLOADS) {
      for (const key of GATEWAYS) targets.set(`${workload.key}/${key}`, gatewayTarget(key, gateways[key]!, workload, manifest, token));
    }
    targets.set('lookup/direct', direct);
    for (const target of targets.values()) await checkTarget(target);
    progress(`every target answers cleanly; about ${Math.ceil(runSeconds / 60)} min of load follows`);

    const measurements = new Map<string, Measurement[]>();
    for (let roundNumber = 1; roundNumber <= options.rounds; roundNumber++) {
      for (const workload of WORKLOADS) {
        const keys = [...GATEWAYS.map((key) => `${workload.key}/${key}`), ...(workload.key === 'lookup' ? ['lookup/direct'] : [])];
        for (const key of keys) {
          const target = targets.get(key)!;
          progress(`round ${roundNumber}/${options.rounds}: ${target.label}`);
          const measurement = await measure(target, subgraphs, settings);
          measurements.set(key, [...(measurements.get(key) ?? []), measurement]);
          progress(`  ${measurement.requests} responses, ${round(measurement.requests / measurement.seconds, 1)} req/s, ${measurement.non2xx + measurement.graphqlErrors + measurement.connectionErrors} errors`);
        }
      }
    }

    const summaries = new Map([...measurements].map(([key, list]) => [key, summarize(list)]));
    const results = comparisonResults(options, subgraphs, summaries);
    const rows = WORKLOADS.flatMap((workload) => [
      ...GATEWAYS.map((key) => ({ group: workload.key, name: GATEWAY_LABELS[key], summary: summaries.get(`${workload.key}/${key}`)! })),
      ...(workload.key === 'lookup' ? [{ group: workload.key, name: 'direct to incidents subgraph', summary: summaries.get('lookup/direct')! }] : []),
    ]);
    const ratios = WORKLOADS.map((workload) => {
      const r = results.workloads[workload.key];
      return `${workload.key.padEnd(8)} rps A/B ${r.rpsAB}  rps A/C ${r.rpsAC}  p99 A/B ${r.p99AB}`;
    });
    const added = results.workloads.lookup.gatewayAddedP50Ms!;
    const errorExamples = [...summaries].filter(([, s]) => s.errorExample).map(([key, s]) => `  ${key}: ${s.errorExample}`);
    process.stdout.write(
      [
        '',
        `Palisade benchmark, ${results.date}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}`,
        `${options.connections} connections, ${options.durationSeconds} s per run after ${options.warmupSeconds} s warm-up, ${options.rounds} round(s) alternating A, B, C; demo data scale ${options.scale}; identity on ${subgraphs.identityStore}`,
        `A: ${results.settings.gatewayA}`,
        `B: ${STOCK_NOTES.B}`,
        `C: ${STOCK_NOTES.C}`,
        'RSS: peak of the gateway process during the measured runs (direct: this process, which holds the subgraphs and the load generator). CPU ms/req: that process. sub CPU/req: this process (subgraphs and load generator; PGlite, when used, has a thread here). DB/req: round trips of all three subgraphs per request.',
        '',
        table(rows),
        '',
        ...ratios,
        `gateway added at p50 over the direct lookup (${added.direct} ms): A +${added.A} ms, B +${added.B} ms, C +${added.C} ms`,
        ...(errorExamples.length > 0 ? ['', 'error examples:', ...errorExamples] : []),
        '',
        `written: ${writeJson('latest.json', results)}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const key of GATEWAYS) await gateways[key]?.stop();
    await subgraphs?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

type WorkloadResult = Record<GatewayKey, Summary> & { rpsAB: number; rpsAC: number; p99AB: number; direct?: Summary; gatewayAddedP50Ms?: Record<GatewayKey | 'direct', number> };

function comparisonResults(options: BenchOptions, subgraphs: BenchSubgraphs, summaries: Map<string, Summary>) {
  const workloads = {} as Record<string, WorkloadResult>;
  for (const workload of WORKLOADS) {
    const [a, b, c] = GATEWAYS.map((key) => summaries.get(`${workload.key}/${key}`)!);
    workloads[workload.key] = { A: a, B: b, C: c, rpsAB: round(a.rps / b.rps, 3), rpsAC: round(a.rps / c.rps, 3), p99AB: round(a.p99 / b.p99, 3) };
  }
  const direct = summaries.get('lookup/direct')!;
  const lookup = workloads.lookup;
  lookup.direct = direct;
  lookup.gatewayAddedP50Ms = { direct: direct.p50, A: round(lookup.A.p50 - direct.p50, 2), B: round(lookup.B.p50 - direct.p50, 2), C: round(lookup.C.p50 - direct.p50, 2) };
  return {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      rounds: options.rounds,
      order: 'per round, per workload: A, B, C (and the direct lookup), each gateway in its own child process, all traffic on 127.0.0.1',
      demoDataScale: options.scale,
      identityStore: subgraphs.identityStore,
      documentStore: 'embedded (no MongoDB server here)',
      redis: process.env.REDIS_URL ? 'used by A' : 'not set',
      gatewayAMode: palisadeMode().nodeEnv,
      gatewayA: palisadeMode().description,
      gatewayB: STOCK_NOTES.B,
      gatewayC: STOCK_NOTES.C,
      requests: 'A: persisted id (extensions.persistedQuery.sha256Hash) with a script token holding every read scope; B and C: the same document as text; direct: the lookup to the incidents subgraph with a signed principal header',
      loadGenerator: 'autocannon in the benchmark process, which also runs the three subgraphs',
      workloads: Object.fromEntries(WORKLOADS.map((w) => [w.key, w.description])),
    },
    workloads,
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
  await (options.scaling ? runScaling(options, progress) : runComparison(options));
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
