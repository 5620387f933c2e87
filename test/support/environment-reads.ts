import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Names the code reads from the environment: env.NAME, env['NAME'], and helpers called as readX(env, 'NAME'). */
const ENV_READ_PATTERNS = [/\benv\.([A-Z][A-Z0-9_]*)\b(?!\s*=[^=])/g, /\benv\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g, /\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g];

/**
 * The project's files a service runs: its entry file and everything it imports or requires by relative path,
 * lib/ and subgraph-kit/ included. Following imports (rather than reading whole folders) leaves out test
 * helpers, which read DATABASE_URL or MONGODB_URL for tests and are never part of a running service.
 */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:(?:from|import)\s+|require\()'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), match[1]);
      const found = [`${target}.ts`, join(target, 'index.ts'), target].find((candidate) => candidate.endsWith('.ts') && existsSync(candidate));
      if (found) pending.push(found);
    }
  }
  return [...seen];
}

/** Every variable a service reads, with the first file (absolute path) that reads it. */
export function variablesRead(entry: string): Map<string, string> {
  const reads = new Map<string, string>();
  for (const file of importClosure(entry)) {
    const source = readFileSync(file, 'utf8');
    for (const pattern of ENV_READ_PATTERNS) {
      for (const match of source.matchAll(pattern)) if (!reads.has(match[1])) reads.set(match[1], file);
    }
  }
  return reads;
}
