import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const rootDir = join(__dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'palisade-gateway-index-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the gateway as `npm start` does: its own process, configured by its own environment only. */
function startGatewayProcess(env: Record<string, string>): ChildProcess {
  const { DATABASE_URL: _database, MONGODB_URL: _mongodb, ...inherited } = process.env;
  return spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: rootDir,
    // METRICS_PORT=0 too: the metrics listener binds its own port, never a fixed one in tests.
    env: { ...inherited, PALISADE_DATA_DIR: dataDir, NODE_ENV: 'development', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves with the URLs from the gateway's "listening" log line. */
function listeningUrls(child: ChildProcess): Promise<{ url: string; metrics: string }> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; url?: string; metrics?: string };
      if (entry.msg === 'gateway listening' && entry.url && entry.metrics) resolve({ url: entry.url, metrics: entry.metrics });
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before listening`)));
  });
}

function collect(stream: NodeJS.ReadableStream): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return () => text;
}

describe('gateway/src/index.ts', () => {
  it('listens on the configured port, serves /healthz, metrics on a listener of their own, and exits 0 on SIGTERM', async () => {
    const child = startGatewayProcess({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const exited = exitOf(child);
    const { url, metrics } = await listeningUrls(child);
    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
    expect(new URL(metrics).port).not.toBe(new URL(url).port);
    expect((await fetch(metrics)).status).toBe(200);
    expect((await fetch(new URL('/metrics', url))).status).toBe(404);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to start with a bad variable, naming it, and exits 1', async () => {
    const child = startGatewayProcess({ PORT: 'eighty' });
    const stderr = collect(child.stderr!);
    expect(await exitOf(child)).toBe(1);
    expect(stderr()).toContain('gateway: configuration error: PORT:');
    expect(stderr()).not.toMatch(/\n\s+at /);
  });
});
