import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readPrincipalSecret } from '../lib/principal';
import { readAuthConfig } from '../gateway/src/authentication/config';
import { signDevelopmentToken } from '../gateway/src/authentication/development-key';

/**
 * `npm start`: runs the three subgraphs and the gateway, each as its own process from its own index.ts,
 * on the embedded stores unless DATABASE_URL / MONGODB_URL are set, with demo data. Ctrl-C stops them all.
 */

interface ServiceSpec {
  name: string;
  entry: string;
  port: number;
}

const SERVICES: ServiceSpec[] = [
  { name: 'identity', entry: 'subgraphs/identity/src/index.ts', port: 4001 },
  { name: 'assets', entry: 'subgraphs/assets/src/index.ts', port: 4002 },
  { name: 'incidents', entry: 'subgraphs/incidents/src/index.ts', port: 4003 },
  { name: 'gateway', entry: 'gateway/src/index.ts', port: 4000 },
];

const DEMO_SUBJECT = 'usr-acme-00001';
const DEMO_TENANT = 'acme';
const DEMO_SCOPES = ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'];

/** Defaults of the demo that the environment can override: the sample trusted documents, enforced. */
const DEMO_ENVIRONMENT = { PERSISTED_QUERIES: 'schema/persisted-queries', PERSISTED_QUERIES_MODE: 'enforce' };

/** Seeding the demo data into PGlite takes a while on a slow machine; beyond this something is wrong. */
const READY_TIMEOUT_MS = 180_000;
const READY_POLL_MS = 250;
const STOP_TIMEOUT_MS = 15_000;

const rootDir = join(__dirname, '..');
const labelWidth = Math.max(...SERVICES.map((s) => s.name.length));
const children = new Map<string, ChildProcess>();
let stopping: Promise<never> | undefined;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function start(spec: ServiceSpec): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
    cwd: rootDir,
    env: { ...DEMO_ENVIRONMENT, ...process.env, PORT: String(spec.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = `[${spec.name.padEnd(labelWidth)}]`;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => log(`${label} ${line}`));
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
  const token = await signDevelopmentToken({
    directory: auth.keySource.directory,
    issuer: auth.issuer,
    audience: auth.audience,
    sub: DEMO_SUBJECT,
    tenant: DEMO_TENANT,
    scopes: DEMO_SCOPES,
  });
  return [
    `A development token (sub ${DEMO_SUBJECT}, tenant ${DEMO_TENANT}, scopes "${DEMO_SCOPES.join(' ')}"):`,
    '',
    `  export TOKEN=${token}`,
    '',
    'Make more with: npm run token -- --sub <user> --tenant <acme|globex> --scopes "<scopes>"',
  ].join('\n');
}

function exampleCurl(): string {
  const query = readFileSync(join(rootDir, 'schema/operations/IncidentBoard.graphql'), 'utf8').replace(/\s+/g, ' ').trim();
  const body = JSON.stringify({ query });
  return `curl -s http://localhost:4000/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d '${body}'`;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // Create the shared development secret once, before the services race to create it.
  readPrincipalSecret(process.env);

  for (const spec of SERVICES) children.set(spec.name, start(spec));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  await Promise.all(SERVICES.map((spec) => waitUntilReady(spec, deadline)));
  if (stopping) return;

  log(
    [
      '',
      'Palisade is running.',
      '',
      '  GraphQL: http://localhost:4000/graphql',
      '  Subgraphs: identity :4001, assets :4002, incidents :4003 (they answer only requests signed by the gateway)',
      '',
      await developmentTokenHelp(),
      '',
      'Try the incident board:',
      '',
      `  ${exampleCurl()}`,
      '',
      'Press Ctrl-C to stop',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!stopping) void stopAll(1);
});
