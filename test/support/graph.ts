import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChangesLocation } from '../../lib/change-events/nats';
import { EmbeddedDocumentDatabase } from '../../subgraph-kit/documents';
import type { StoreStats } from '../../subgraph-kit/store-observer';
import { listen } from '../../lib/http-server';
import { createLogger, type Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import type { SubgraphService } from '../../subgraph-kit/define-subgraph';
import type { JetStreamSettings } from '../../lib/ingestion/jetstream';
import { deadLetterFileOf } from '../../lib/ingestion/dead-letters';
import type { IngestionSettings } from '../../subgraph-kit/ingestion';
import { createTestDatabase } from '../../subgraph-kit/sql/test-database';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../../lib/authentication/config';
import { loadOrCreateDevelopmentKey, signDevelopmentToken } from '../../lib/authentication/development-key';
import { readGatewayConfig, type GatewayConfig } from '../../gateway/src/config';
import { createGateway, type Gateway } from '../../gateway/src/server';
import { createAssetsService } from '../../subgraphs/assets/src/server';
import { createIdentityService } from '../../subgraphs/identity/src/server';
import { createIncidentsService } from '../../subgraphs/incidents/src/server';

const rootDir = join(__dirname, '..', '..');

/** Every read scope in the schema: a token with these sees every field a user of its tenant may read. */
export const ALL_READ_SCOPES = ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'];

export interface TokenOptions {
  sub?: string;
  tenant?: string;
  scopes?: string[];
  kind?: Principal['kind'];
  clientId?: string;
  expiresIn?: string;
  audience?: string;
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }> };
}

/** The three subgraphs Palisade ships. */
export type SubgraphName = 'identity' | 'assets' | 'incidents';

/** The subgraphs on the embedded document store, which a test can stop and start again. */
export type DocumentSubgraphName = Exclude<SubgraphName, 'identity'>;

export interface Graph {
  /** The gateway's GraphQL endpoint, http://127.0.0.1:<port>/graphql. */
  url: string;
  /** The gateway's origin, for /healthz and /readyz. */
  origin: string;
  /** The gateway's metrics listener's /metrics, apart from its public port. */
  metricsUrl: string;
  /** Where each subgraph listens. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Signs a token the gateway accepts: by default usr-acme-00001 of tenant acme with every read scope. */
  token(options?: TokenOptions): Promise<string>;
  /** Database round trips of each subgraph since it started; read before and after to count. */
  stats: Record<SubgraphName, StoreStats>;
  /** The gateway's configuration, with overrides, for tests that start a second gateway on these subgraphs. */
  gatewayConfig(env?: Record<string, string>): GatewayConfig;
  /**
   * Starts one more gateway on these subgraphs with the same environment plus `env`, on port 0; it is
   * closed with the graph (or earlier through its own close).
   */
  startGateway(env?: Record<string, string>, options?: { logger?: Logger }): Promise<StartedGateway>;
  /** The gateway's environment, for a gateway run as a child process on these subgraphs. */
  gatewayEnv: Readonly<Record<string, string>>;
  /** Stops a document subgraph (HTTP server and store): its port refuses connections until startSubgraph. */
  stopSubgraph(name: DocumentSubgraphName): Promise<void>;
  /** Starts a new instance of a stopped document subgraph on the port it had, seeded with the same demo data. */
  startSubgraph(name: DocumentSubgraphName): Promise<void>;
  /** POSTs an operation to the gateway; `token: null` sends no Authorization header. */
  request(query: string, options?: { variables?: Record<string, unknown>; token?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

export interface StartedGateway {
  gateway: Gateway;
  url: string;
  origin: string;
  /** The metrics listener's /metrics. */
  metricsUrl: string;
}

export interface GraphOptions {
  /** Demo data per subgraph; 0.1 is about 100 users, 500 assets and 200 incidents over both tenants. */
  demoDataScale?: number;
  /** Gateway environment on top of the harness's own, for the first gateway and every later one. */
  gatewayEnv?: Record<string, string>;
  /**
   * Runs the gateway with NODE_ENV=production and what production requires: the development public key
   * published as a JWKS file (JWKS_FILE), JWT_ISSUER, JWT_AUDIENCE, and REDIS_URL from this process's
   * environment (startGraph refuses without it; check REDIS_URL first and skip).
   */
  production?: boolean;
  /**
   * How the subgraphs take events (see subgraph-kit/ingestion): from an intake on the embedded path, with
   * dead letters in the graph's data directory, or from NATS; without it they take none.
   */
  ingestion?: { transport: 'http'; maxDeliver: number } | { transport: 'nats'; jetstream: JetStreamSettings };
  /**
   * Change events over NATS JetStream instead of each subgraph's own stream: the server's URL and a stream of this
   * graph's own (so that graphs of other test files, publishing the same event ids, never meet).
   */
  nats?: { url: string; stream: string };
  /**
   * How often the incidents subgraph's change relay sweeps its store (1 s by default). A sweep is a round trip,
   * so tests that count the round trips of a request lengthen it; mutations still nudge the relay at once.
   */
  changeSweepIntervalMs?: number;
}

/** Reads a shared GraphQL document from schema/operations. */
export function readOperation(name: string): string {
  return readFileSync(join(rootDir, 'schema', 'operations', `${name}.graphql`), 'utf8');
}

/**
 * Starts the whole graph in this process, every server on 127.0.0.1 port 0: the three subgraphs through
 * their create*Service (identity on PostgreSQL when DATABASE_URL is set, PGlite otherwise; the embedded
 * document store for assets and incidents) and the gateway in front of them, with one principal secret and
 * a development signing key in a temporary directory.
 */
export async function startGraph(options: GraphOptions = {}): Promise<Graph> {
  const demoDataScale = options.demoDataScale ?? 0.1;
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-graph-'));
  const principalSecret = randomBytes(32).toString('base64url');
  const secret = Buffer.from(principalSecret, 'utf8');
  const logLevel = process.env.LOG_LEVEL ?? 'silent';
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
    rmSync(dataDir, { recursive: true, force: true });
  };

  const ingestion: IngestionSettings | undefined =
    options.ingestion?.transport === 'http' ? { ...options.ingestion, deadLetterFile: deadLetterFileOf({ PALISADE_DATA_DIR: dataDir }) } : options.ingestion;
  try {
    const sql = await createTestDatabase();
    closers.push(() => sql.close());
    const natsOptions = options.nats ? { natsUrl: options.nats.url, changes: readChangesLocation({ NATS_CHANGES_STREAM: options.nats.stream }) } : {};
    const createDocumentService = (name: DocumentSubgraphName) => {
      const create = name === 'assets' ? createAssetsService : createIncidentsService;
      return create({
        principalSecret: secret,
        logger: createLogger(name, logLevel),
        demoDataScale,
        database: new EmbeddedDocumentDatabase(),
        ingestion,
        changeSweepIntervalMs: options.changeSweepIntervalMs,
        ...natsOptions,
      });
    };
    const [identity, assets, incidents] = await Promise.all([
      createIdentityService({ principalSecret: secret, logger: createLogger('identity', logLevel), demoDataScale, database: sql.database, ingestion }),
      createDocumentService('assets'),
      createDocumentService('incidents'),
    ]);
    const subgraphs: Record<SubgraphName, SubgraphService> = { identity, assets, incidents };
    const subgraphUrls = {} as Record<SubgraphName, string>;
    for (const [name, service] of Object.entries(subgraphs) as Array<[SubgraphName, SubgraphService]>) {
      // The service running under this name at the end, which startSubgraph may have replaced.
      closers.push(() => subgraphs[name].close());
      const address = await listen(service.httpServer, 0, '127.0.0.1');
      subgraphUrls[name] = `http://127.0.0.1:${address.port}/graphql`;
    }
    const stats = { identity: identity.stats, assets: assets.stats, incidents: incidents.stats };
    const startSubgraph = async (name: DocumentSubgraphName) => {
      const service = await createDocumentService(name);
      try {
        await listen(service.httpServer, Number(new URL(subgraphUrls[name]).port), '127.0.0.1');
      } catch (error) {
        await service.close();
        throw error;
      }
      const stopped = subgraphs[name];
      subgraphs[name] = service;
      stats[name] = service.stats;
      await stopped.close();
    };

    const gatewayEnv: Record<string, string> = {
      PALISADE_DATA_DIR: dataDir,
      PRINCIPAL_SECRET: principalSecret,
      SUPERGRAPH_PATH: join(rootDir, 'schema', 'supergraph.graphql'),
      IDENTITY_URL: subgraphUrls.identity,
      ASSETS_URL: subgraphUrls.assets,
      INCIDENTS_URL: subgraphUrls.incidents,
      LOG_LEVEL: logLevel,
      PORT: '0',
      AUDIT_LOG: process.env.AUDIT_LOG ?? 'off',
      ...(options.production ? await productionEnv(dataDir) : {}),
      ...(options.nats ? { NATS_URL: options.nats.url, NATS_CHANGES_STREAM: options.nats.stream } : {}),
      ...options.gatewayEnv,
    };
    const gatewayConfig = (env: Record<string, string> = {}) => readGatewayConfig({ ...gatewayEnv, ...env });
    const startGateway = async (env: Record<string, string> = {}, startOptions: { logger?: Logger } = {}): Promise<StartedGateway> => {
      const config = gatewayConfig(env);
      const started = await createGateway(config, startOptions.logger ?? createLogger('gateway', config.logLevel));
      closers.push(() => started.close());
      const address = await listen(started.httpServer, 0, '127.0.0.1');
      const metricsAddress = await listen(started.metricsServer, 0, '127.0.0.1');
      const origin = `http://127.0.0.1:${address.port}`;
      return { gateway: started, url: `${origin}/graphql`, origin, metricsUrl: `http://127.0.0.1:${metricsAddress.port}/metrics` };
    };
    const { url, origin, metricsUrl } = await startGateway();

    const token = (opts: TokenOptions = {}) =>
      signDevelopmentToken({
        directory: dataDir,
        sub: opts.sub ?? 'usr-acme-00001',
        tenant: opts.tenant ?? 'acme',
        scopes: opts.scopes ?? ALL_READ_SCOPES,
        kind: opts.kind,
        clientId: opts.clientId,
        expiresIn: opts.expiresIn,
        audience: opts.audience,
      });
    const defaultToken = await token();

    return {
      url,
      origin,
      metricsUrl,
      subgraphUrls,
      token,
      stats,
      gatewayConfig,
      startGateway,
      gatewayEnv,
      stopSubgraph: (name) => subgraphs[name].close(),
      startSubgraph,
      request: (query, requestOptions = {}) => postGraphQL(url, query, requestOptions.variables, requestOptions.token === undefined ? defaultToken : requestOptions.token, requestOptions.headers),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What NODE_ENV=production requires of the gateway, served by the development key in `dataDir`. */
async function productionEnv(dataDir: string): Promise<Record<string, string>> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('startGraph({ production: true }) needs REDIS_URL: production gateways share state through Redis');
  const { publicJwk } = await loadOrCreateDevelopmentKey(dataDir);
  const jwksFile = join(dataDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  return { NODE_ENV: 'production', JWKS_FILE: jwksFile, JWT_ISSUER: DEVELOPMENT_ISSUER, JWT_AUDIENCE: DEVELOPMENT_AUDIENCE, REDIS_URL: redisUrl };
}

export async function postGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
}

/** Round trips per subgraph since `before` was taken. */
export function roundTripsSince(stats: Record<SubgraphName, StoreStats>, before: Record<SubgraphName, number>): Record<SubgraphName, number> {
  return {
    identity: stats.identity.roundTrips - before.identity,
    assets: stats.assets.roundTrips - before.assets,
    incidents: stats.incidents.roundTrips - before.incidents,
  };
}

export function snapshotRoundTrips(stats: Record<SubgraphName, StoreStats>): Record<SubgraphName, number> {
  return { identity: stats.identity.roundTrips, assets: stats.assets.roundTrips, incidents: stats.incidents.roundTrips };
}
