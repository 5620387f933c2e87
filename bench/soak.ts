import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayProcess } from './gateway-process';
import { palisadeMode, prepareTokenAndJwks, SAMPLE_MANIFEST_PATH, startPalisade } from './gateways';
import { runLoad } from './load';
import { checkTarget, round, rssKb } from './measure';
import type { BenchOptions } from './options';
import { machine, writeJson } from './report';
import { startSubgraphs, type BenchSubgraphs } from './subgraphs';
import { gatewayTarget } from './targets';
import { readManifest, WORKLOADS } from './workloads';

/** Seconds of each slice of load; the workloads take turns, and the gateway's RSS is read after each. */
const SLICE_SECONDS = 10;
/** RSS is compared between the minute after this warm-up and the last minute. */
const WARMUP_SECONDS = 60;

interface SoakSample {
  atSeconds: number;
  workload: string;
  rssMB: number;
  requests: number;
  errors: number;
}

/**
 * Gateway A under load for --soak seconds: the board, the profile and the lookup take turns in 10 s slices,
 * and the gateway's resident set size is read after each. Flat means the last minute's mean RSS is within
 * 10% of the mean of the minute after the first.
 */
export async function runSoak(options: BenchOptions, progress: (message: string) => void): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'palisade-bench-soak-'));
  let subgraphs: BenchSubgraphs | undefined;
  let gateway: GatewayProcess | undefined;
  const samples: SoakSample[] = [];
  try {
    subgraphs = await startSubgraphs(options.scale);
    const { token, jwksFile } = await prepareTokenAndJwks(workDir);
    gateway = await startPalisade({ subgraphs, workDir, jwksFile, manifestPath: SAMPLE_MANIFEST_PATH });
    const manifest = readManifest(SAMPLE_MANIFEST_PATH);
    const targets = WORKLOADS.map((workload) => ({ workload, target: gatewayTarget('A', gateway!, workload, manifest, token) }));
    for (const { target } of targets) await checkTarget(target);
    progress(`soak: ${options.soakSeconds} s of load on A, ${options.connections} connections, workloads in turn for ${SLICE_SECONDS} s each`);

    const started = Date.now();
    for (let slice = 0; (Date.now() - started) / 1000 < options.soakSeconds; slice++) {
      const { workload, target } = targets[slice % targets.length];
      const sample = await runLoad({ url: target.url, body: target.body, headers: target.headers, connections: options.connections, durationSeconds: SLICE_SECONDS });
      samples.push({
        atSeconds: Math.round((Date.now() - started) / 1000),
        workload: workload.key,
        rssMB: round(rssKb(gateway.pid) / 1024, 1),
        requests: sample.requests,
        errors: sample.non2xx + sample.graphqlErrors + sample.connectionErrors,
      });
      if (slice % targets.length === targets.length - 1) progress(`  ${samples.at(-1)!.atSeconds} s: RSS ${samples.at(-1)!.rssMB} MB`);
    }
  } finally {
    await gateway?.stop();
    await subgraphs?.close();
    rmSync(workDir, { recursive: true, force: true });
  }

  const end = samples.at(-1)!.atSeconds;
  const mean = (from: number, to: number) => {
    const inWindow = samples.filter((s) => s.atSeconds > from && s.atSeconds <= to).map((s) => s.rssMB);
    return round(inWindow.reduce((sum, v) => sum + v, 0) / inWindow.length, 1);
  };
  const afterWarmupMB = mean(WARMUP_SECONDS, WARMUP_SECONDS + 60);
  const lastMinuteMB = mean(end - 60, end);
  const growthPercent = round(((lastMinuteMB - afterWarmupMB) / afterWarmupMB) * 100, 1);
  const requests = samples.reduce((sum, s) => sum + s.requests, 0);
  const errors = samples.reduce((sum, s) => sum + s.errors, 0);
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { soakSeconds: options.soakSeconds, sliceSeconds: SLICE_SECONDS, connections: options.connections, demoDataScale: options.scale, gatewayA: palisadeMode().description },
    requests,
    errors,
    rssAfterWarmupMB: afterWarmupMB,
    rssLastMinuteMB: lastMinuteMB,
    rssPeakMB: Math.max(...samples.map((s) => s.rssMB)),
    growthPercent,
    flat: Math.abs(growthPercent) <= 10,
    samples,
  };
  process.stdout.write(
    [
      '',
      `Palisade soak, ${results.date}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}`,
      `${end} s of load on A (${options.connections} connections; board, profile and lookup in turn, ${SLICE_SECONDS} s each): ${requests} responses, ${errors} errors`,
      `gateway RSS: ${afterWarmupMB} MB in the minute after the first, ${lastMinuteMB} MB in the last minute (${growthPercent >= 0 ? '+' : ''}${growthPercent}%), peak ${results.rssPeakMB} MB: ${results.flat ? 'flat' : 'NOT flat'} (within 10%)`,
      `written: ${writeJson('soak.json', results)}`,
      '',
    ].join('\n'),
  );
}
