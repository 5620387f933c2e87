import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trace } from '@opentelemetry/api';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import { createTestDatabase, type TestDatabase } from '../subgraph-kit/sql/test-database';
import { startTracing, tracingRequested } from '../lib/tracing';
import { ALL_READ_SCOPES, postGraphQL, readOperation, type GraphQLResponse } from './support/graph';

/*
 * Tracing across the real services: the three subgraphs and the gateway run as their own processes from their
 * index.ts, exactly as `npm start` and the images run them, exporting to an OTLP/HTTP receiver in this test.
 */

const rootDir = join(__dirname, '..');
const SUBGRAPHS = ['identity', 'assets', 'incidents'] as const;

/**
 * Identity opens PGlite (WebAssembly) and seeds it: seconds on an idle machine, half a minute on a busy two-core
 * one while three more processes start beside it; beyond this something is wrong.
 */
const READY_TIMEOUT_MS = 90_000;
const SPANS_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 100;

/** OTLP span kinds as the JSON encoding numbers them. */
const SPAN_KIND = { SERVER: 2, CLIENT: 3 } as const;

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP trace receiver that accepts JSON only, so that a passing test also proves the encoding. */
class OtlpJsonReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly refused: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<OtlpJsonReceiver> {
    let receiver: OtlpJsonReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const contentType = request.headers['content-type'] ?? '';
        if (request.method !== 'POST' || request.url !== '/v1/traces' || !contentType.startsWith('application/json')) {
          receiver!.refused.push(`${request.method} ${request.url} ${contentType}`);
          response.writeHead(415).end();
          return;
        }
        receiver!.spans.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new OtlpJsonReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

type OtlpValue = Record<string, unknown>;
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }> }>;
  }>;
}

function attributesOf(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, Object.values(value)[0]]));
}

function spansOf(body: OtlpTraces): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        service,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}

interface Service {
  name: string;
  process: ChildProcess;
  /** The last lines it printed, for failure messages. */
  output: string[];
  exited: Promise<number | null>;
  /** Its GraphQL URL, from the line it logs once it listens; rejected if it exits before. */
  url: Promise<string>;
}

/**
 * Starts a service on PORT=0: the system picks a free port as the service binds it, and the service names it in
 * the line it logs when it listens (`{"url":"http://127.0.0.1:<port>/graphql","msg":"<name> ... listening"}`).
 * No port is picked before the service binds it, so no other process can take it in between.
 */
function startService(name: string, entry: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: rootDir, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        output.splice(0, Math.max(0, output.length - 40));
        const listening = listeningUrl(line);
        if (listening) resolve(listening);
      });
    }
    // 'close' comes after the last line of output; a rejection after the URL arrived changes nothing.
    child.once('close', (code) => reject(new Error(`${name} exited (code ${code}) before it listened:\n  ${output.join('\n  ')}`)));
  });
  // Awaited in beforeAll; this only keeps a service that stops after listening from being an unhandled rejection.
  url.catch(() => undefined);
  return { name, process: child, output, exited, url };
}

/** The URL in a service's "listening" log line; undefined for any other line, JSON or not. */
function listeningUrl(line: string): string | undefined {
  let entry: { msg?: unknown; url?: unknown } | null;
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return undefined;
  }
  return typeof entry?.msg === 'string' && entry.msg.endsWith(' listening') && typeof entry.url === 'string' ? entry.url : undefined;
}

function describeService(service: Service): string {
  return `${service.name} (exit code ${service.process.exitCode ?? 'none'}):\n  ${service.output.join('\n  ')}`;
}

/** The URL the service logs once it listens, awaited until the deadline. */
async function listeningWithin(service: Service, deadline: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${service.name} did not listen within ${READY_TIMEOUT_MS / 1000} s; ${describeService(service)}`)), deadline - Date.now());
  });
  try {
    return await Promise.race([service.url, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntilReady(service: Service, url: string, deadline: number): Promise<void> {
  const readyz = new URL('/readyz', url);
  let exited = false;
  void service.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(readyz, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not answering yet.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${service.name} was not ready within ${READY_TIMEOUT_MS / 1000} s; ${describeService(service)}`);
}

/** Sends SIGTERM and waits for the exit; a service that does not stop in time is killed. Returns the exit code. */
async function stopService(service: Service): Promise<number | null> {
  if (service.process.exitCode !== null || service.process.signalCode !== null) return service.exited;
  service.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([service.exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)))]);
  clearTimeout(timer);
  if (code !== 'timeout') return code;
  service.process.kill('SIGKILL');
  await service.exited;
  throw new Error(`${service.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; ${describeService(service)}`);
}

/** Polls until `find` returns a value, or fails after SPANS_TIMEOUT_MS naming what was awaited and what arrived. */
async function waitForSpans<T>(what: string, spans: () => ReceivedSpan[], find: (spans: ReceivedSpan[]) => T | undefined): Promise<T> {
  const deadline = Date.now() + SPANS_TIMEOUT_MS;
  for (;;) {
    const found = find(spans());
    if (found !== undefined) return found;
    if (Date.now() >= deadline) {
      const arrived = spans().map((s) => `${s.service} ${s.name} kind ${s.kind}`);
      throw new Error(`no ${what} within ${SPANS_TIMEOUT_MS / 1000} s; the trace has: ${arrived.join(', ') || 'nothing'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('a request traced across the gateway and the three subgraphs, each its own process', () => {
  const traceId = randomBytes(16).toString('hex');
  /** The span of the client that sent the request: the root of the trace as the services see it. */
  const clientSpanId = randomBytes(8).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-tracing-'));
  const services = new Map<string, Service>();
  /** Each service's GraphQL URL, as it logged it. */
  const urls = new Map<string, string>();
  let receiver: OtlpJsonReceiver | undefined;
  let testDatabase: TestDatabase | undefined;
  let response: GraphQLResponse;

  const spansOfTrace = () => receiver!.spans.filter((span) => span.traceId === traceId);
  const subgraphServerSpans = (spans: ReceivedSpan[]) => {
    const found = SUBGRAPHS.map((name) => spans.find((s) => s.service === `palisade-${name}` && s.kind === SPAN_KIND.SERVER));
    return found.every(Boolean) ? (found as ReceivedSpan[]) : undefined;
  };

  beforeAll(async () => {
    receiver = await OtlpJsonReceiver.start();
    // On a PostgreSQL server identity gets a database of its own, and pg spans can be checked; PGlite runs on a
    // worker thread that the pg instrumentation does not see.
    testDatabase = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
    const principalSecret = randomBytes(32).toString('base64url');
    const common: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      // Each service's metrics listener on a free port, never its fixed default.
      METRICS_PORT: '0',
      // info: the line each service logs when it listens carries its URL.
      LOG_LEVEL: 'info',
      PRINCIPAL_SECRET: principalSecret,
      PALISADE_DATA_DIR: dataDir,
      DEMO_DATA_SCALE: '0.05',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const name of SUBGRAPHS) {
      const env = name === 'identity' && testDatabase?.url ? { ...common, DATABASE_URL: testDatabase.url } : common;
      services.set(name, startService(name, `subgraphs/${name}/src/index.ts`, env));
    }
    // The gateway is told where the subgraphs are, so it starts once they have bound their ports.
    for (const name of SUBGRAPHS) urls.set(name, await listeningWithin(services.get(name)!, deadline));
    services.set(
      'gateway',
      startService('gateway', 'gateway/src/index.ts', {
        ...common,
        SUPERGRAPH_PATH: join(rootDir, 'schema', 'supergraph.graphql'),
        IDENTITY_URL: urls.get('identity')!,
        ASSETS_URL: urls.get('assets')!,
        INCIDENTS_URL: urls.get('incidents')!,
        AUDIT_LOG: 'off',
        // Far beyond the test: the gateway's spans can only arrive through the flush when it stops.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      }),
    );
    urls.set('gateway', await listeningWithin(services.get('gateway')!, deadline));
    await Promise.all([...services.values()].map((service) => waitUntilReady(service, urls.get(service.name)!, deadline)));
    const token = await signDevelopmentToken({ directory: dataDir, sub: 'usr-acme-00001', tenant: 'acme', scopes: ALL_READ_SCOPES });

    response = await postGraphQL(urls.get('gateway')!, readOperation('IncidentBoard'), undefined, token, {
      traceparent: `00-${traceId}-${clientSpanId}-01`,
    });
  }, READY_TIMEOUT_MS + 20_000);

  afterAll(async () => {
    const stops = await Promise.allSettled([...services.values()].map(stopService));
    await receiver?.close();
    await testDatabase?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const stop of stops) if (stop.status === 'rejected') throw stop.reason;
  }, 30_000);

  it("continues the client's trace in every subgraph, under a span of the gateway", async () => {
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.incidents.edges.length).toBeGreaterThan(0);

    const serverSpans = await waitForSpans('server span from every subgraph', spansOfTrace, subgraphServerSpans);
    for (const span of serverSpans) {
      expect(span.attributes['http.method'] ?? span.attributes['http.request.method']).toBe('POST');
      // Not the client's span: a span of the gateway's sits between them.
      expect(span.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.parentSpanId).not.toBe(clientSpanId);
    }
    expect(receiver!.refused).toEqual([]);
  });

  (process.env.DATABASE_URL ? it : it.skip)("records identity's PostgreSQL queries in the request's trace (DATABASE_URL only)", async () => {
    // Every query hangs from a span of identity's own within this trace. A parent ends after its children,
    // so it may arrive in a later export batch: the wait is for the queries and all their parents.
    const identitySpanIds = () => new Set(spansOfTrace().filter((s) => s.service === 'palisade-identity').map((s) => s.spanId));
    const queries = await waitForSpans("pg spans from identity, each under one of identity's spans", spansOfTrace, (spans) => {
      const found = spans.filter((s) => s.service === 'palisade-identity' && s.attributes['db.system'] === 'postgresql');
      const parents = identitySpanIds();
      return found.length > 0 && found.every((query) => parents.has(query.parentSpanId)) ? found : undefined;
    });
    const identityServer = subgraphServerSpans(spansOfTrace())![0];
    expect(identitySpanIds().has(identityServer.spanId)).toBe(true);
    // The statement text is recorded, its parameter values are not.
    expect(queries.some((q) => typeof q.attributes['db.statement'] === 'string')).toBe(true);
    expect(queries.every((q) => q.attributes['db.postgresql.values'] === undefined)).toBe(true);
  });

  it("exports the gateway's spans when it stops: its server span under the client's, the plan, and the call each subgraph's span hangs from", async () => {
    expect(await stopService(services.get('gateway')!)).toBe(0);

    const gatewaySpans = await waitForSpans('span from the gateway', spansOfTrace, (spans) => {
      const found = spans.filter((s) => s.service === 'palisade-gateway');
      return found.some((s) => s.kind === SPAN_KIND.SERVER) ? found : undefined;
    });
    const byId = new Map(gatewaySpans.map((s) => [s.spanId, s]));
    const server = gatewaySpans.find((s) => s.kind === SPAN_KIND.SERVER)!;
    expect(server.parentSpanId).toBe(clientSpanId);
    expect(gatewaySpans.map((s) => s.name)).toEqual(expect.arrayContaining(['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']));

    const serverSpans = subgraphServerSpans(spansOfTrace())!;
    for (const [index, name] of SUBGRAPHS.entries()) {
      const call = byId.get(serverSpans[index].parentSpanId);
      expect(call).toMatchObject({ kind: SPAN_KIND.CLIENT, attributes: expect.objectContaining({ 'server.port': Number(new URL(urls.get(name)!).port) }) });
      expect(byId.get(call!.parentSpanId)).toMatchObject({ name: 'gateway.fetch', attributes: expect.objectContaining({ service: name }) });
    }
  });
});

describe('without OTEL_* variables', () => {
  it('asks for tracing only for an OTLP endpoint or an exporter other than none, and never with OTEL_SDK_DISABLED=true', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'palisade-gateway', OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });

  it('starts nothing: no tracer provider is registered, so spans are not recorded', () => {
    const saved = Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_'));
    for (const [name] of saved) delete process.env[name];
    try {
      expect(startTracing('palisade-test')).toBe(false);
      expect(trace.getTracer('palisade-test').startSpan('probe').isRecording()).toBe(false);
    } finally {
      Object.assign(process.env, Object.fromEntries(saved));
    }
  });
});
