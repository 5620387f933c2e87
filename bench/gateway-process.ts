import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { METRICS_PORT_LINE_PREFIX, PORT_LINE_PREFIX } from './serve-child';

const ROOT = join(__dirname, '..');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const KEPT_OUTPUT_BYTES = 8_000;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** A gateway running as a child process, whose memory and CPU time are its own. */
export interface GatewayProcess {
  name: string;
  url: string;
  pid: number;
  /** Its /metrics, when it has a metrics listener (Palisade). */
  metricsUrl?: string;
  /** SIGTERM, then SIGKILL if it has not exited within 30 s. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// If the benchmark dies, its children must not outlive it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills `child` if the benchmark exits before it does. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Starts `node [--cpu-prof ...] --import tsx <script>` with `env` and waits for the port it announces.
 * Only loopback addresses are configured for it.
 */
export async function startGatewayProcess(name: string, script: string, env: Record<string, string>, options: { cpuProfileDir?: string; nodeArgs?: string[] } = {}): Promise<GatewayProcess> {
  // Every thread (tsx's loader has one) writes a profile of its own into this folder; the main thread's is kept.
  const profileDir = options.cpuProfileDir ? mkdtempSync(join(tmpdir(), `${name}-profile-`)) : undefined;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, ...(options.nodeArgs ?? []), '--import', 'tsx', join(ROOT, script)], {
    cwd: ROOT,
    env: childEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let kept = '';
  const keep = (chunk: Buffer) => {
    kept = (kept + chunk.toString('utf8')).slice(-KEPT_OUTPUT_BYTES);
  };
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => running.delete(child));

  let metricsPort: number | undefined;
  const announced = new Promise<number>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not announce its port within ${START_TIMEOUT_MS / 1000} s:\n${kept}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      keep(chunk);
      pending += chunk.toString('utf8');
      // Complete lines only: a chunk may end in the middle of a port number.
      const lines = pending.split('\n');
      pending = lines.pop()!.slice(-200);
      for (const line of lines) {
        if (line.startsWith(METRICS_PORT_LINE_PREFIX)) metricsPort = Number(line.slice(METRICS_PORT_LINE_PREFIX.length));
        if (line.startsWith(PORT_LINE_PREFIX)) {
          clearTimeout(timer);
          resolve(Number(line.slice(PORT_LINE_PREFIX.length)));
        }
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it listened:\n${kept}`));
    });
  });
  let port: number;
  try {
    port = await announced;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // Logs and the audit trail keep flowing: the pipe is drained and what it carries dropped.
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();

  const pid = child.pid!;
  return {
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    pid,
    ...(metricsPort === undefined ? {} : { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      if (profileDir && options.cpuProfileDir) keepMainThreadProfile(profileDir, join(options.cpuProfileDir, `${name}-${pid}.cpuprofile`));
    },
  };
}

/** User plus system CPU time of a process since it started, in ms (10 ms resolution): utime + stime from /proc/<pid>/stat. */
export function cpuMsOf(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * The child's environment: PATH, HOME and TMPDIR from here, then `env`. Nothing else is inherited, so no APOLLO_KEY,
 * OTEL_* or Hive token of the caller's can make a gateway report anywhere.
 */
export function childEnvironment(env: Record<string, string>): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return { ...inherited, ...env };
}

/** The largest profile in `folder` is the main thread's (the loader thread's is small); it is copied to `file`. */
function keepMainThreadProfile(folder: string, file: string): void {
  const profiles = readdirSync(folder).map((name) => join(folder, name));
  const main = profiles.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (main) {
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(main, file);
  }
  rmSync(folder, { recursive: true, force: true });
}
