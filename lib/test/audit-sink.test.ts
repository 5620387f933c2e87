import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditSink } from '../audit-sink';

const ROOT = join(__dirname, '..', '..');

/** Runs a sink in a child process, the way the gateway runs it, and returns what the child printed. */
function runChild(destination: 'stdout' | 'off', lines: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Once close() resolves, a last line goes out on stdout itself (synchronous for a pipe): it comes after every
  // audit line only if close() flushed them all. (pino would flush them at exit anyway, after that line.)
  const script = `
    const { openAuditSink } = require('./lib/audit-sink');
    const sink = openAuditSink('${destination}');
    for (let n = 0; n < ${lines}; n++) sink.write(JSON.stringify({ n, padding: 'x'.repeat(100) }));
    sink.close().then(() => {
      process.stdout.write('{"closed":true}\\n');
      process.exit(0);
    });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The `n` of every line, each of which must be a whole JSON line. */
function numbers(text: string): Array<number | 'closed'> {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { n?: number; closed?: true })
    .map((line) => (line.closed ? 'closed' : line.n!));
}

describe('the audit sink', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'palisade-audit-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes every line to stdout whole and in order, and close() flushes them before the process exits', async () => {
    // 20,000 lines of about 120 bytes: far more than a pipe holds, so writes queue behind each other.
    const run = await runChild('stdout', 20_000);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(numbers(run.stdout)).toEqual([...Array.from({ length: 20_000 }, (_, n) => n), 'closed']);
  });

  it('appends to a file, only its owner may read it, and close() writes every line still waiting', async () => {
    const path = join(directory, 'nested', 'audit.jsonl');
    const first = openAuditSink(path);
    first.write(JSON.stringify({ n: -1 }));
    await first.close();
    const sink = openAuditSink(path);
    for (let n = 0; n < 500; n++) sink.write(JSON.stringify({ n }));
    await sink.close();
    expect(numbers(readFileSync(path, 'utf8'))).toEqual([-1, ...Array.from({ length: 500 }, (_, n) => n)]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps lines written before and after a write in flight whole and in order', async () => {
    const path = join(directory, 'audit.jsonl');
    const sink = openAuditSink(path);
    for (let n = 0; n < 100; n++) {
      sink.write(JSON.stringify({ n }));
      if (n % 10 === 0) await new Promise(setImmediate);
    }
    await sink.close();
    expect(numbers(readFileSync(path, 'utf8'))).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('close() is safe to call twice', async () => {
    const path = join(directory, 'audit.jsonl');
    const sink = openAuditSink(path);
    sink.write('{"n":1}');
    await Promise.all([sink.close(), sink.close()]);
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n');
  });

  it('writes nothing when off', async () => {
    expect(await runChild('off', 10)).toEqual({ code: 0, stdout: '{"closed":true}\n', stderr: '' });
  });
});
