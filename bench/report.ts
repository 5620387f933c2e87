import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { Summary } from './measure';

export const RESULTS_DIR = join(__dirname, 'results');

export function machine() {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** Over 1, 5 and 15 minutes when the figures were written: other work on the machine shows here. */
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function writeJson(file: string, value: unknown): string {
  const path = join(RESULTS_DIR, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

const COLUMNS = ['requests', 'rps', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'RSS MB', 'CPU ms/req', 'sub CPU/req', 'DB/req'] as const;

/** One table row per summary, under a header; `name` is the first column. */
export function table(rows: Array<{ group: string; name: string; summary: Summary }>, nameWidth = 34): string {
  const cell = (text: string | number, width = 12) => String(text).padStart(width);
  const lines = [`${'workload'.padEnd(10)}${'target'.padEnd(nameWidth)}${COLUMNS.map((c) => cell(c)).join('')}`];
  let previous = '';
  for (const { group, name, summary: s } of rows) {
    const first = group === previous ? '' : group;
    previous = group;
    lines.push(
      `${first.padEnd(10)}${name.padEnd(nameWidth)}${[s.requests, s.rps, s.p50, s.p95, s.p99, s.errors, s.rssMB, s.cpuMsPerRequest, s.subgraphCpuMsPerRequest, s.dbQueriesPerRequest].map((v) => cell(v)).join('')}`,
    );
  }
  return lines.join('\n');
}
