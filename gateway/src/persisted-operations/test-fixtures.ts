import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { apiSchemaFromSupergraph } from './api-schema';
import { sha256Hex } from './persisted-operation';

export const ROOT = join(__dirname, '..', '..', '..');
export const SAMPLE_DIRECTORY = join(ROOT, 'schema', 'persisted-queries');

let schema: GraphQLSchema | undefined;
export function apiSchema(): GraphQLSchema {
  return (schema ??= apiSchemaFromSupergraph(readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8')));
}

export const PEOPLE = 'query People { users(first: 5) { edges { node { uid name } } } }';
export const PEOPLE_RELAY_ID = 'relay-people-1';
export const UNLISTED = 'query Groups { groups(first: 3) { edges { node { uid name } } } }';

/**
 * A copy of the committed sample (manifest.json and clients/partner-x.json) in a temporary directory, plus
 * a Relay map for the client relay-app, so tests can change files without touching the repository.
 */
export function sampleDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'palisade-pq-'));
  cpSync(SAMPLE_DIRECTORY, path, { recursive: true });
  writeFileSync(join(path, 'clients', 'relay-app.json'), JSON.stringify({ [PEOPLE_RELAY_ID]: PEOPLE }));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface SampleOperation {
  id: string;
  name: string;
  body: string;
}

export function sampleOperation(file: string, name: string): SampleOperation {
  const manifest = JSON.parse(readFileSync(join(SAMPLE_DIRECTORY, file), 'utf8')) as { operations: SampleOperation[] };
  const operation = manifest.operations.find((o) => o.name === name);
  if (!operation) throw new Error(`${name} is not in ${file}`);
  expect(operation.id).toBe(sha256Hex(operation.body));
  return operation;
}

export const user: Principal = { sub: 'alice', tenant: 'acme', kind: 'user', scopes: [], clientId: 'frontend' };
export const script: Principal = { sub: 'nightly-export', tenant: 'acme', kind: 'script', scopes: [], clientId: 'export-job' };
export const partnerX: Principal = { sub: 'partner-x', tenant: 'acme', kind: 'partner', scopes: [], clientId: 'partner-x' };
export const partnerY: Principal = { sub: 'partner-y', tenant: 'acme', kind: 'partner', scopes: [], clientId: 'partner-y' };

/** A pino logger whose lines the test can read. */
export function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Polls until `check` holds, for at most `timeoutMs`: waits for a watcher without a fixed sleep. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
