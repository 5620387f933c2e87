import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentDatabase } from '../../lib/documents';
import type { StoreStats } from '../../lib/documents';
import { listen } from '../../lib/http-server';
import { createLogger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import type { SubgraphService } from '../../lib/service';
import { createTestDatabase } from '../../lib/sql/test-database';
import { signDevelopmentToken } from '../../gateway/src/auth/development-key';
import { readGatewayConfig, type GatewayConfig, type SubgraphName } from '../../gateway/src/config';
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

export interface Graph {
  /** The gateway's GraphQL endpoint, http://127.0.0.1:<port>/graphql. */
  url: string;
  /** The gateway's origin, for /healthz and /readyz. */
  origin: string;
  /** Where each subgraph listens. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Signs a token the gateway accepts: by default usr-acme-00001 of tenant acme with every read scope. */
  token(options?: TokenOptions): Promise<string>;
  /** Database round trips of each subgraph since it started; read before and after to count. */
  stats: Record<SubgraphName, StoreStats>;
  /** The gateway's configuration, with overrides, for tests that start a second gateway on these subgraphs. */
  gatewayConfig(env?: Record<string, string>): GatewayConfig;
  /** POSTs an operation to the gateway; `token: null` sends no Authorization header. */
  request(query: string, options?: { variables?: Record<string, unknown>; token?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

export interface GraphOptions {
  /** Demo data per subgraph; 0.1 is about 100 users, 500 assets and 200 incidents over both tenants. */
  demoDataScale?: number;
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

  try {
    const sql = await createTestDatabase();
    closers.push(() => sql.close());
    const [identity, assets, incidents] = await Promise.all([
      createIdentityService({ principalSecret: secret, logger: createLogger('identity', logLevel), demoDataScale, database: sql.database }),
      createAssetsService({ principalSecret: secret, logger: createLogger('assets', logLevel), demoDataScale, database: new EmbeddedDocumentDatabase() }),
      createIncidentsService({ principalSecret: secret, logger: createLogger('incidents', logLevel), demoDataScale, database: new EmbeddedDocumentDatabase() }),
    ]);
    const subgraphs: Record<SubgraphName, SubgraphService> = { identity, assets, incidents };
    const subgraphUrls = {} as Record<SubgraphName, string>;
    for (const [name, service] of Object.entries(subgraphs) as Array<[SubgraphName, SubgraphService]>) {
      closers.push(() => service.close());
      const address = await listen(service.httpServer, 0, '127.0.0.1');
      subgraphUrls[name] = `http://127.0.0.1:${address.port}/graphql`;
    }

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
    };
    const gatewayConfig = (env: Record<string, string> = {}) => readGatewayConfig({ ...gatewayEnv, ...env });
    const gateway: Gateway = await createGateway(gatewayConfig());
    closers.push(() => gateway.close());
    const address = await listen(gateway.httpServer, 0, '127.0.0.1');
    const origin = `http://127.0.0.1:${address.port}`;
    const url = `${origin}/graphql`;

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
      subgraphUrls,
      token,
      stats: { identity: identity.stats, assets: assets.stats, incidents: incidents.stats },
      gatewayConfig,
      request: (query, requestOptions = {}) => postGraphQL(url, query, requestOptions.variables, requestOptions.token === undefined ? defaultToken : requestOptions.token, requestOptions.headers),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
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
