import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { close, listen } from '../../lib/http-server';

// Probes of a running gateway for whole-graph tests: its metrics, subgraph requests held in flight, and a
// supergraph file it watches.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Reads a metrics listener's /metrics (the gateway's, apart from its public port). */
export async function scrape(metricsUrl: string): Promise<Sample[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await response.text());
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Calls `attempt` until it returns a value, waiting `intervalMs` between calls, for at most `timeoutMs`. */
export async function pollUntil<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 5000, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/**
 * A proxy in front of a subgraph that holds its GraphQL requests until release() (other paths pass), so that
 * a test has requests in flight through the gateway for as long as it needs.
 */
export async function holdingProxy(target: string, cleanups: Array<() => Promise<unknown> | void>): Promise<{ url: string; held(): number; release(): void }> {
  const targetUrl = new URL(target);
  const held: Array<() => void> = [];
  let holding = true;
  const server: Server = createServer((incoming, outgoing) => {
    const forward = () => {
      const forwarded = httpRequest(
        { host: targetUrl.hostname, port: targetUrl.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(forwarded);
    };
    if (holding && incoming.url === targetUrl.pathname) held.push(forward);
    else forward();
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  cleanups.push(async () => {
    server.closeAllConnections();
    await close(server);
  });
  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    held: () => held.length,
    release: () => {
      holding = false;
      for (const forward of held.splice(0)) forward();
    },
  };
}

export interface WatchedSupergraph {
  /** For SUPERGRAPH_PATH. */
  path: string;
  /** The committed supergraph, which the file starts as. */
  committed: string;
  /** Replaces the file by a rename, as editors and Kubernetes ConfigMaps do, so a gateway never reads half of it. */
  replace(text: string): void;
}

/** A copy of the committed supergraph in a temporary directory (removed by `cleanups`), for a gateway to watch. */
export function watchedSupergraph(cleanups: Array<() => Promise<unknown> | void>): WatchedSupergraph {
  const committed = readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
  const directory = mkdtempSync(join(tmpdir(), 'palisade-supergraph-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const path = join(directory, 'supergraph.graphql');
  writeFileSync(path, committed);
  return {
    path,
    committed,
    replace: (text) => {
      writeFileSync(`${path}.next`, text);
      renameSync(`${path}.next`, path);
    },
  };
}

/** Waits until the gateway at `origin` has applied `count` supergraph reloads. */
export async function reloadsApplied(metricsUrl: string, count: number): Promise<void> {
  await pollUntil('the reload', async () => (total(await scrape(metricsUrl), 'palisade_gateway_supergraph_reloads_total', { result: 'applied' }) === count ? true : undefined));
}

/**
 * The supergraph without the field Incident.description: still valid, and an operation that reads the field no
 * longer validates. Only the type's line goes (CreateIncidentInput has the same line before it).
 */
export function withoutIncidentDescription(supergraph: string): string {
  const type = supergraph.indexOf('\ntype Incident\n');
  const field = supergraph.indexOf('\n  description: String\n', type);
  if (type < 0 || field < 0 || field > supergraph.indexOf('\n}', type)) throw new Error('the supergraph has no field Incident.description');
  return supergraph.slice(0, field) + supergraph.slice(field + '\n  description: String'.length);
}
