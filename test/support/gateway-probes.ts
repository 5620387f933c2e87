import { createServer, request as httpRequest, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { close, listen } from '../../lib/http-server';

// Probes of a running gateway for whole-graph tests: its metrics, and subgraph requests held in flight.

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

export async function scrape(origin: string): Promise<Sample[]> {
  const response = await fetch(`${origin}/metrics`);
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
