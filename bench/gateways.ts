import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../lib/authentication/config';
import { loadOrCreateDevelopmentKey, signDevelopmentToken } from '../lib/authentication/development-key';
import { withoutSecurityPurpose } from '../gateway/src/authorization/requirements';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { BENCH_PRINCIPAL } from './principal-data-source';
import type { BenchSubgraphs, SubgraphName } from './subgraphs';

const ROOT = join(__dirname, '..');
export const SUPERGRAPH_PATH = join(ROOT, 'schema', 'supergraph.graphql');
export const SAMPLE_MANIFEST_PATH = join(ROOT, 'schema', 'persisted-queries', 'manifest.json');

/** A, B and C always; with --without-dedup also D (C without its deduplication) and E (A without its own). */
export type GatewayKey = 'A' | 'B' | 'C' | 'D' | 'E';
export const GATEWAY_LABELS: Record<GatewayKey, string> = {
  A: 'A Palisade',
  B: 'B @apollo/gateway',
  C: 'C Hive Gateway',
  D: 'D Hive, no upstream dedup',
  E: 'E Palisade, no dedup',
};

/** A and E are Palisade (E without deduplication); the others are the peers. */
export function isPalisade(key: GatewayKey): key is 'A' | 'E' {
  return key === 'A' || key === 'E';
}

/** How A runs: production needs REDIS_URL; without it, development mode with the same security features. */
export interface PalisadeMode {
  nodeEnv: 'production' | 'development';
  description: string;
}

export function palisadeMode(): PalisadeMode {
  return process.env.REDIS_URL
    ? { nodeEnv: 'production', description: `NODE_ENV=production, JWKS_FILE, JWT_ISSUER/JWT_AUDIENCE, persisted operations enforced (requests by id), rate limits and APQ on Redis (${process.env.REDIS_URL}), audit trail and logs on stdout, deduplication of identical queries and subgraph fetches in flight (DEDUPLICATION=on, the default)` }
    : {
        nodeEnv: 'development',
        description:
          'REDIS_URL is not set, and production configuration refuses to start without it: A runs with NODE_ENV=development and the same security features (JWKS_FILE, issuer/audience, persisted operations enforced, rate limits in memory, audit trail on stdout, deduplication on)',
      };
}

/**
 * Rate limits high enough that the benchmark never trips them, for the script of the identical workload and the
 * users of the varied one; everything else keeps its defaults.
 */
const UNTRIPPABLE_BUDGET = { rateLimit: { requests: 1_000_000_000, cost: 1_000_000_000_000 } };
const UNTRIPPABLE_RATE_LIMITS = JSON.stringify({ script: UNTRIPPABLE_BUDGET, user: UNTRIPPABLE_BUDGET });

/** The token A gets: a script of tenant acme with every read scope, signed by a key A knows through JWKS_FILE. */
export async function prepareTokenAndJwks(workDir: string): Promise<{ token: string; jwksFile: string }> {
  const { publicJwk } = await loadOrCreateDevelopmentKey(workDir);
  const jwksFile = join(workDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  const token = await signDevelopmentToken({
    directory: workDir,
    sub: BENCH_PRINCIPAL.sub,
    tenant: BENCH_PRINCIPAL.tenant,
    scopes: BENCH_PRINCIPAL.scopes,
    kind: BENCH_PRINCIPAL.kind,
    clientId: BENCH_PRINCIPAL.clientId,
    expiresIn: '24h',
  });
  return { token, jwksFile };
}

/**
 * What B and C load: the same supergraph with `for: SECURITY` removed from the authorization links (stock
 * @apollo/gateway refuses it otherwise) and the URLs where the subgraphs listen now.
 */
export function writeStockSupergraph(workDir: string, urls: Record<SubgraphName, string>): string {
  let sdl = withoutSecurityPurpose(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  for (const [name, url] of Object.entries(urls)) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: )"[^"]*"`), `$1"${url}"`);
    if (!sdl.includes(`url: "${url}"`)) throw new Error(`the supergraph names no subgraph "${name}"`);
  }
  const path = join(workDir, 'supergraph-stock.graphql');
  writeFileSync(path, sdl);
  return path;
}

export interface GatewaySetup {
  subgraphs: BenchSubgraphs;
  workDir: string;
  jwksFile: string;
  /** The persisted-operation manifest A enforces. */
  manifestPath: string;
  cpuProfileDir?: string;
}

export interface PalisadeOptions {
  /** false: E, A's configuration with DEDUPLICATION=off. */
  deduplication?: boolean;
  /**
   * 'untrippable' (the comparison, scaling and soak): budgets no load here reaches, so rate limits cost their
   * work but never refuse. 'defaults': the production budgets, as an operator who sets no CLIENT_POLICIES gets them.
   */
  rateLimits?: 'untrippable' | 'defaults';
  /** More variables for the child (NATS_URL and NATS_CHANGES_STREAM for --subscriptions). */
  environment?: Record<string, string>;
  /** Starts the child with --expose-gc: it then collects its garbage on SIGUSR2 (see serve-child.ts). */
  exposeGc?: boolean;
}

/** A, or with `deduplication: false` E: the same configuration with DEDUPLICATION=off. */
export function startPalisade(setup: GatewaySetup, options: PalisadeOptions = {}): Promise<GatewayProcess> {
  const { deduplication = true, rateLimits = 'untrippable', environment = {}, exposeGc = false } = options;
  const mode = palisadeMode();
  const { urls, principalSecret } = setup.subgraphs;
  const env: Record<string, string> = {
    NODE_ENV: mode.nodeEnv,
    PALISADE_DATA_DIR: setup.workDir,
    PRINCIPAL_SECRET: principalSecret,
    SUPERGRAPH_PATH,
    IDENTITY_URL: urls.identity,
    ASSETS_URL: urls.assets,
    INCIDENTS_URL: urls.incidents,
    JWKS_FILE: setup.jwksFile,
    JWT_ISSUER: DEVELOPMENT_ISSUER,
    JWT_AUDIENCE: DEVELOPMENT_AUDIENCE,
    PERSISTED_QUERIES: setup.manifestPath,
    PERSISTED_QUERIES_MODE: 'enforce',
    ...(rateLimits === 'untrippable' ? { CLIENT_POLICIES: UNTRIPPABLE_RATE_LIMITS } : {}),
    DEDUPLICATION: deduplication ? 'on' : 'off',
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}),
    ...environment,
  };
  return startGatewayProcess(deduplication ? 'gateway-a' : 'gateway-e', 'bench/gateway-a.ts', env, { cpuProfileDir: setup.cpuProfileDir, nodeArgs: exposeGc ? ['--expose-gc'] : [] });
}

export function startStockGateway(key: Exclude<GatewayKey, 'A' | 'E'>, setup: GatewaySetup, supergraphPath: string): Promise<GatewayProcess> {
  const env: Record<string, string> = { NODE_ENV: 'production', PRINCIPAL_SECRET: setup.subgraphs.principalSecret, BENCH_SUPERGRAPH_PATH: supergraphPath };
  if (key === 'D') env.BENCH_HIVE_UPSTREAM_DEDUP = 'off';
  const script = key === 'B' ? 'bench/gateway-b.ts' : 'bench/gateway-c.ts';
  return startGatewayProcess(`gateway-${key.toLowerCase()}`, script, env, { cpuProfileDir: setup.cpuProfileDir });
}

/** What the output says about every gateway but A, whose description depends on REDIS_URL (palisadeMode). */
export const GATEWAY_NOTES = {
  B: 'stock @apollo/gateway + @apollo/server (startStandaloneServer), defaults, NODE_ENV=production, APOLLO_TELEMETRY_DISABLED=true, supergraph with `for: SECURITY` removed; no authentication, authorization or limits. It sends the signed principal header (a RemoteGraphQLDataSource whose willSendRequest signs per fetch the principal the request names in x-bench-principal, in the varied workload, or else a fixed one): the minimum the subgraphs need, or they answer 401.',
  C: 'Hive Gateway runtime (createGatewayRuntime) on node:http, defaults, NODE_ENV=production, same supergraph file as B; no authentication, authorization or limits. It sends the same signed principal header (a plugin whose onFetch signs it per fetch, from x-bench-principal as B). Its HTTP transport is the one @graphql-mesh/transport-http would give (that package is not installed): @graphql-tools/executor-http at the subgraph URL. Its defaults deduplicate identical in-flight subgraph requests (the key does not include headers added in onFetch).',
  D: 'C with deduplicateInflightRequests: false on every subgraph, so every request reaches the subgraphs as with B.',
  E: 'A with DEDUPLICATION=off: every request executes and every fetch reaches the subgraphs, as with B.',
};
