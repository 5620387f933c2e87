import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readNodeEnv, readPort } from '../lib/config';
import { ConfigError } from '../lib/errors';
import { readPrincipalSecret } from '../lib/principal';
import { readAuthConfig } from '../lib/authentication/config';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import { INGEST_SCOPE } from '../lib/ingestion/delivery';
import { readableLine } from './readable-logs';

/**
 * `npm start`: runs the three subgraphs, the gateway and the intake, each as its own process from its own index.ts,
 * on the embedded stores unless DATABASE_URL / MONGODB_URL are set, with demo data. Ctrl-C stops them all.
 * PORT moves the gateway; the subgraphs keep their ports. In a terminal the services' JSON lines are shown as
 * readable lines; piped, or in production, they pass through as JSON.
 */

interface ServiceSpec {
  name: string;
  entry: string;
  port: number;
  /** Its metrics listener, which only Prometheus reads. */
  metricsPort: number;
}

const SERVICES: ServiceSpec[] = [
  { name: 'identity', entry: 'subgraphs/identity/src/index.ts', port: 4001, metricsPort: 9401 },
  { name: 'assets', entry: 'subgraphs/assets/src/index.ts', port: 4002, metricsPort: 9402 },
  { name: 'incidents', entry: 'subgraphs/incidents/src/index.ts', port: 4003, metricsPort: 9403 },
  { name: 'gateway', entry: 'gateway/src/index.ts', port: gatewayPort(), metricsPort: 9400 },
  { name: 'ingest', entry: 'ingest/src/index.ts', port: 4004, metricsPort: 9404 },
];

/** PORT, for the gateway; a bad value is one line naming it, before anything starts. */
function gatewayPort(): number {
  try {
    return readPort(process.env, 'PORT', 4000);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n`);
    process.exit(1);
  }
}

const DEMO_SUBJECT = 'usr-acme-00001';
const DEMO_TENANT = 'acme';
const DEMO_SCOPES = ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'];
/** The sample OCSF events of the classes the intake takes, in the order they build on each other. */
const SAMPLE_EVENT_FILES = [
  'examples/ocsf/user-inventory.ndjson',
  'examples/ocsf/device-inventory.ndjson',
  'examples/ocsf/vulnerability-findings.ndjson',
  'examples/ocsf/detection-findings.ndjson',
];

/** Defaults of the demo that the environment can override: the sample trusted documents, enforced. */
const DEMO_ENVIRONMENT = { PERSISTED_QUERIES: 'schema/persisted-queries', PERSISTED_QUERIES_MODE: 'enforce' };

/** Seeding the demo data into PGlite takes a while on a slow machine; beyond this something is wrong. */
const READY_TIMEOUT_MS = 180_000;
const READY_POLL_MS = 250;
const STOP_TIMEOUT_MS = 15_000;

const rootDir = join(__dirname, '..');
const children = new Map<string, ChildProcess>();
let stopping: Promise<never> | undefined;
const readable = process.stdout.isTTY === true && readNodeEnv(process.env) !== 'production';
const readableOptions = { color: process.stdout.hasColors?.() ?? false, logLevel: process.env.LOG_LEVEL ?? 'info' };

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function start(spec: ServiceSpec): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
    cwd: rootDir,
    env: { ...DEMO_ENVIRONMENT, ...process.env, PORT: String(spec.port), METRICS_PORT: String(spec.metricsPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      const shown = readable ? readableLine(spec.name, line, readableOptions) : line;
      if (shown !== null) log(shown);
    });
  }
  // 'close' comes after the child's last output line, so the reason is printed after it.
  child.on('close', (code, signal) => {
    children.delete(spec.name);
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    process.stderr.write(`\n${spec.name} exited unexpectedly (${how}); stopping the other services\n`);
    void stopAll(1);
  });
  return child;
}

/** Stops every child (once, however often it is asked) and exits: non-zero when asked to or when a child did not stop cleanly. */
function stopAll(exitCode: number): Promise<never> {
  stopping ??= stopChildren(exitCode);
  return stopping;
}

async function stopChildren(exitCode: number): Promise<never> {
  const exits = [...children.entries()].map(
    ([name, child]) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          process.stderr.write(`${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it\n`);
          child.kill('SIGKILL');
        }, STOP_TIMEOUT_MS);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve(code === 0);
        });
        child.kill('SIGTERM');
      }),
  );
  const clean = (await Promise.all(exits)).every(Boolean);
  process.exit(clean ? exitCode : Math.max(exitCode, 1));
}

async function waitUntilReady(spec: ServiceSpec, deadline: number): Promise<void> {
  const url = `http://127.0.0.1:${spec.port}/readyz`;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`${spec.name} was not ready at ${url} within ${READY_TIMEOUT_MS / 1000} s`);
}

async function developmentTokenHelp(): Promise<string> {
  // The same key source, issuer and audience the gateway child reads from this environment.
  const auth = readAuthConfig(process.env);
  if (auth.keySource.kind !== 'development') {
    return 'The gateway verifies tokens against your JWKS (JWKS_URL or JWKS_FILE): export a token from your identity provider as TOKEN.';
  }
  const { directory } = auth.keySource;
  const sign = (sub: string, scopes: string[], kind?: 'script', clientId?: string) =>
    signDevelopmentToken({ directory, issuer: auth.issuer, audience: auth.audience, sub, tenant: DEMO_TENANT, scopes, kind, clientId });
  return [
    `A development token (sub ${DEMO_SUBJECT}, tenant ${DEMO_TENANT}, scopes "${DEMO_SCOPES.join(' ')}"):`,
    '',
    `  export TOKEN=${await sign(DEMO_SUBJECT, DEMO_SCOPES)}`,
    '',
    `A token to send events with (a script of tenant ${DEMO_TENANT}, scope "${INGEST_SCOPE}"):`,
    '',
    `  export INGEST_TOKEN=${await sign('svc-sample-producer', [INGEST_SCOPE], 'script', 'sample-producer')}`,
    '',
    'Make more with: npm run token -- --sub <user> --tenant <acme|globex> --scopes "<scopes>"',
  ].join('\n');
}

/** Posts the sample events to the intake: the new users, devices and findings then show through the gateway. */
function exampleIngestCurl(ingestUrl: string): string {
  return `cat ${SAMPLE_EVENT_FILES.join(' ')} | curl -s ${ingestUrl} -H 'content-type: application/x-ndjson' -H "authorization: Bearer $INGEST_TOKEN" --data-binary @-`;
}

function exampleCurl(gatewayUrl: string): string {
  const query = readFileSync(join(rootDir, 'schema/operations/IncidentBoard.graphql'), 'utf8').replace(/\s+/g, ' ').trim();
  const body = JSON.stringify({ query });
  return `curl -s ${gatewayUrl} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d '${body}'`;
}

/** Every port the services will bind must be free, checked before any of them starts (and seeds its data). */
async function checkPortsFree(): Promise<void> {
  for (const spec of SERVICES) {
    for (const [port, what] of [[spec.port, spec.name], [spec.metricsPort, `${spec.name}'s metrics listener`]] as const) {
      if (await isTaken(port)) {
        const move = spec.name === 'gateway' && port === spec.port ? `, or move the gateway with PORT=<port> npm start` : '';
        throw new Error(`port ${port} (${what}) is already in use: stop what listens there (is another npm start running?)${move}`);
      }
    }
  }
}

function isTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  await checkPortsFree();
  // Create the shared development secret once, before the services race to create it.
  readPrincipalSecret(process.env);

  for (const spec of SERVICES) children.set(spec.name, start(spec));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  await Promise.all(SERVICES.map((spec) => waitUntilReady(spec, deadline)));
  if (stopping) return;

  const gateway = SERVICES.find((spec) => spec.name === 'gateway')!;
  const gatewayUrl = `http://localhost:${gateway.port}/graphql`;
  const ingestUrl = `http://localhost:${SERVICES.find((spec) => spec.name === 'ingest')!.port}/v1/events`;
  log(
    [
      '',
      'Palisade is running.',
      '',
      `  GraphQL:   ${gatewayUrl}`,
      `  Explorer:  http://localhost:${gateway.port}/ in a browser (GraphiQL, with a development token in its headers)`,
      '  Subgraphs: identity :4001, assets :4002, incidents :4003 (they answer only requests signed by the gateway)',
      `  Ingest:    ${ingestUrl} (OCSF events as NDJSON, token scope ${INGEST_SCOPE})`,
      '  Metrics:   :9400 (gateway), :9401 to :9403 (subgraphs), :9404 (ingest), for Prometheus',
      '',
      await developmentTokenHelp(),
      '',
      'Try the incident board:',
      '',
      `  ${exampleCurl(gatewayUrl)}`,
      '',
      'Send the sample OCSF events (users, devices, vulnerability findings, detection findings) to the intake:',
      '',
      `  ${exampleIngestCurl(ingestUrl)}`,
      '',
      'Press Ctrl-C to stop',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (children.size === 0) process.exit(1);
  if (!stopping) void stopAll(1);
});
