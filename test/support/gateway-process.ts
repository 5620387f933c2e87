import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pollUntil } from './gateway-probes';

const rootDir = join(__dirname, '..', '..');

export interface GatewayProcess {
  child: ChildProcess;
  origin: string;
  metricsUrl: string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
}

/**
 * Runs gateway/src/index.ts, unmodified, as its own process with this environment (on top of this process's,
 * less the database and Redis URLs), PORT=0 and METRICS_PORT=0 unless given; resolves once /readyz answers 200. `cleanups`
 * receives a kill for the end of the test.
 */
export async function startGatewayProcess(env: Record<string, string>, cleanups: Array<() => unknown>): Promise<GatewayProcess> {
  const { DATABASE_URL: _database, MONGODB_URL: _mongodb, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: rootDir,
    // LOG_LEVEL info at least: the port is read from the line that says where the gateway listens.
    env: { ...inherited, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // PORT=0: the port is the one the gateway logs, so no other process can take it between choosing and binding.
  const listening = await new Promise<{ url: string; metrics: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; url?: string; metrics?: string };
      if (entry.msg === 'gateway listening' && entry.url && entry.metrics) resolve({ url: entry.url, metrics: entry.metrics });
    });
    void exited.then((code) => reject(new Error(`the gateway exited with ${code} before listening: ${stderr}`)));
  });
  const origin = new URL(listening.url).origin;
  await pollUntil('/readyz', async () => ((await fetch(`${origin}/readyz`)).status === 200 ? true : undefined), 10_000);
  return { child, origin, metricsUrl: listening.metrics, exited, stderr: () => stderr };
}
