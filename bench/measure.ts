import { readFileSync, writeFileSync } from 'node:fs';
import { cpuMsOf, type GatewayProcess } from './gateway-process';
import { isCleanResult, percentile, runLoad, type LoadRequest, type LoadSample } from './load';
import type { BenchSubgraphs } from './subgraphs';

/** Where load goes: a gateway child, or a subgraph of this process (the direct requests). */
export interface Target {
  label: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /**
   * The varied workload: each call starts the target's seeded sequence from its beginning and returns its
   * next-request function, used instead of `body` and `headers` (which then hold its first request).
   */
  sequence?: () => () => LoadRequest;
  /** The gateway child, whose memory and CPU are measured; undefined: this process (subgraphs and load generator). */
  process?: GatewayProcess;
}

export interface Measurement extends LoadSample {
  peakRssMB: number;
  /** CPU time of the target's process (the gateway child; for direct requests, this process). */
  cpuMs: number;
  /** CPU time of this process: the subgraphs (PGlite has a thread of its own here) and the load generator. */
  benchCpuMs: number;
  roundTrips: number;
}

/** Figures of one target over all its rounds. */
export interface Summary {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Non-2xx responses, responses with GraphQL errors, connection errors and timeouts. */
  errors: number;
  /** Peak resident set size during the measured runs, MB (the largest over the rounds). */
  rssMB: number;
  /** Database round trips of all three subgraphs per request sent (answered or cut off at the end). */
  dbQueriesPerRequest: number;
  /** CPU time of the measured process per request sent, ms (the work of cut-off requests included). */
  cpuMsPerRequest: number;
  /** CPU time of the benchmark process (subgraphs and load generator) per request sent, ms. */
  subgraphCpuMsPerRequest: number;
  errorExample?: string;
}

export interface RunSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

/** Requests of a sequence checked before any load. */
const CHECKED_OF_SEQUENCE = 40;

/**
 * Sends one request (of a sequence, its first 40) and insists on clean answers, so a misconfigured target
 * fails before any load.
 */
export async function checkTarget(target: Target): Promise<void> {
  const next = target.sequence?.();
  for (let i = 0; i < (next ? CHECKED_OF_SEQUENCE : 1); i++) {
    const { body, headers } = next ? next() : target;
    const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await response.text();
    if (response.status !== 200 || !isCleanResult(text)) {
      throw new Error(`${target.label} did not answer ${body} cleanly (HTTP ${response.status}): ${text.slice(0, 1000)}`);
    }
  }
}

/**
 * Warms the target up (unmeasured), then loads it and measures it and the subgraphs behind it. Before and
 * after, it waits for the work still queued from cut-off requests to finish, so no run inherits another's.
 */
export async function measure(target: Target, subgraphs: BenchSubgraphs, settings: RunSettings): Promise<Measurement> {
  // A sequence runs on from the warm-up into the measured run.
  const load = { url: target.url, body: target.body, headers: target.headers, next: target.sequence?.(), connections: settings.connections };
  const pid = target.process?.pid ?? 'self';
  if (settings.warmupSeconds > 0) {
    await runLoad({ ...load, durationSeconds: settings.warmupSeconds });
    await settle(subgraphs, pid);
  }
  const peakResetWorked = resetPeakRss(pid);
  let sampledPeakKb = 0;
  // Where the kernel refuses to reset the high water mark, the peak is sampled instead.
  const sampler = peakResetWorked ? undefined : setInterval(() => (sampledPeakKb = Math.max(sampledPeakKb, rssKb(pid))), 100);
  const cpuBefore = cpuMsOf(pid);
  const benchCpuBefore = cpuMsOf('self');
  const tripsBefore = subgraphs.roundTrips();
  const sample = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  if (sampler) clearInterval(sampler);
  const peakRssMB = (peakResetWorked ? peakRssKb(pid) : sampledPeakKb) / 1024;
  // The requests cut off at the end are still served; their work counts, and so do they (in `sent`).
  await settle(subgraphs, pid);
  return {
    ...sample,
    peakRssMB,
    cpuMs: cpuMsOf(pid) - cpuBefore,
    benchCpuMs: cpuMsOf('self') - benchCpuBefore,
    roundTrips: subgraphs.roundTrips() - tripsBefore,
  };
}

const SETTLE_POLL_MS = 250;
const SETTLE_QUIET_MS = 1000;
const SETTLE_LIMIT_MS = 120_000;
const IDLE_TRIPS_PER_POLL = 1;

/**
 * Waits (bounded: 2 minutes) until neither the subgraphs' databases nor the target's process have worked for
 * a second: when a run ends, the load generator drops its connections, but gateways and subgraphs finish the
 * requests they had started.
 */
export async function settle(subgraphs: BenchSubgraphs, pid: number | 'self'): Promise<void> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let trips = subgraphs.roundTrips();
  let cpu = cpuMsOf(pid);
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < SETTLE_QUIET_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    const nowTrips = subgraphs.roundTrips();
    const nowCpu = cpuMsOf(pid);
    // A little CPU is idle housekeeping (timers, GC); a request in progress uses more. One round trip per poll is
    // idle too: the incidents subgraph's change relay looks for unpublished changes every second.
    const busy = nowTrips - trips > IDLE_TRIPS_PER_POLL || (pid !== 'self' && nowCpu - cpu > 20);
    trips = nowTrips;
    cpu = nowCpu;
    if (busy) quietSince = Date.now();
  }
}

export function summarize(measurements: readonly Measurement[]): Summary {
  const latencies = measurements.flatMap((m) => m.latenciesMs).sort((a, b) => a - b);
  const requests = measurements.reduce((sum, m) => sum + m.requests, 0);
  const sent = measurements.reduce((sum, m) => sum + m.sent, 0);
  const seconds = measurements.reduce((sum, m) => sum + m.seconds, 0);
  const sum = (pick: (m: Measurement) => number) => measurements.reduce((total, m) => total + pick(m), 0);
  return {
    requests,
    rps: round(requests / seconds, 1),
    p50: round(percentile(latencies, 50), 2),
    p95: round(percentile(latencies, 95), 2),
    p99: round(percentile(latencies, 99), 2),
    errors: sum((m) => m.non2xx + m.graphqlErrors + m.connectionErrors),
    rssMB: round(Math.max(...measurements.map((m) => m.peakRssMB)), 1),
    dbQueriesPerRequest: round(sum((m) => m.roundTrips) / sent, 2),
    cpuMsPerRequest: round(sum((m) => m.cpuMs) / sent, 2),
    subgraphCpuMsPerRequest: round(sum((m) => m.benchCpuMs) / sent, 2),
    ...(measurements.find((m) => m.errorExample) ? { errorExample: measurements.find((m) => m.errorExample)!.errorExample } : {}),
  };
}

/** Requests drawn to time a sequence. */
const TIMED_DRAWS = 20_000;

/** CPU µs per request that a target's sequence takes to draw and write a request (0 for a fixed request). */
export function requestBuildMicros(target: Target): number {
  if (!target.sequence) return 0;
  const next = target.sequence();
  const before = process.cpuUsage();
  for (let i = 0; i < TIMED_DRAWS; i++) next();
  const used = process.cpuUsage(before);
  return round((used.user + used.system) / TIMED_DRAWS, 2);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function resetPeakRss(pid: number | 'self'): boolean {
  try {
    // "5" resets the peak resident set size to the current one (proc(5), clear_refs).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssKb(pid: number | 'self'): number {
  return statusField(pid, 'VmHWM');
}

export function rssKb(pid: number | 'self'): number {
  return statusField(pid, 'VmRSS');
}

function statusField(pid: number | 'self', field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}
