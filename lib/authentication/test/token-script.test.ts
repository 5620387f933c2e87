import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createAuthenticator, type Authenticator } from '../authenticator';
import { readAuthConfig } from '../config';

/** Who the authenticator says is asking (its answer also carries the token's expiry). */
async function principalOf(authenticator: Authenticator, header: string) {
  return (await authenticator.authenticate(header)).principal;
}

const root = join(__dirname, '..', '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npx tsx scripts/token.ts` the way a developer does, with only the environment given here. */
function runTokenScript(args: string[], env: Record<string, string>): Promise<Run> {
  const { JWKS_URL, JWKS_FILE, JWT_ISSUER, JWT_AUDIENCE, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/token.ts', ...args], { cwd: root, env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'palisade-token-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

it('prints only a JWT that a gateway on the same data directory accepts', async () => {
  const run = await runTokenScript(
    ['--sub', 'alice', '--tenant', 'acme', '--scopes', 'incidents:read  pii:read', '--client', 'partner-x', '--kind', 'partner', '--expires', '8h'],
    { PALISADE_DATA_DIR: directory },
  );
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const token = run.stdout.trim();

  const authenticator = await createAuthenticator(readAuthConfig({ PALISADE_DATA_DIR: directory }));
  await expect(principalOf(authenticator, `Bearer ${token}`)).resolves.toEqual({
    sub: 'alice',
    tenant: 'acme',
    kind: 'partner',
    scopes: ['incidents:read', 'pii:read'],
    clientId: 'partner-x',
  });
  const { exp, iat } = decodeJwt(token);
  expect((exp as number) - (iat as number)).toBe(8 * 3600);
});

it('signs for the issuer and audience the gateway is configured with', async () => {
  const env = { PALISADE_DATA_DIR: directory, JWT_ISSUER: 'https://login.example/', JWT_AUDIENCE: 'api://palisade' };
  const run = await runTokenScript(['--sub', 'svc-backup', '--tenant', 'globex', '--kind', 'script'], env);
  expect(run.code).toBe(0);
  const authenticator = await createAuthenticator(readAuthConfig(env));
  await expect(principalOf(authenticator, `Bearer ${run.stdout.trim()}`)).resolves.toEqual({
    sub: 'svc-backup',
    tenant: 'globex',
    kind: 'script',
    scopes: [],
    clientId: undefined,
  });
});

it('exits 2 with the reason and the usage on stderr, and nothing on stdout, for bad arguments', async () => {
  const cases: [string[], RegExp][] = [
    [['--tenant', 'acme'], /--sub is required/],
    [['--sub', 'alice'], /--tenant is required/],
    [['--sub', 'alice', '--tenant', 'acme', '--kind', 'admin'], /--kind must be one of user, script, partner/],
    [['--sub', 'alice', '--tenant', 'acme', '--expires', 'forever'], /--expires must be a number followed by s, m, h or d/],
    [['--sub', 'alice', '--tenant', 'acme', '--scope', 'x'], /Unknown option '--scope'/],
  ];
  // Concurrently: each run spends seconds starting npx and tsx.
  const runs = await Promise.all(cases.map(([args]) => runTokenScript(args, { PALISADE_DATA_DIR: directory })));
  runs.forEach((run, index) => {
    expect({ args: cases[index][0], code: run.code, stdout: run.stdout }).toEqual({ args: cases[index][0], code: 2, stdout: '' });
    expect(run.stderr).toMatch(cases[index][1]);
    expect(run.stderr).toMatch(/Usage: npm run token --/);
  });
});

it('exits 2 when the gateway is configured for an identity provider instead of the development key', async () => {
  const run = await runTokenScript(['--sub', 'alice', '--tenant', 'acme'], { PALISADE_DATA_DIR: directory, JWKS_URL: 'https://login.example/jwks' });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/JWKS_URL: is set, so the gateway accepts tokens from your identity provider only/);
});
