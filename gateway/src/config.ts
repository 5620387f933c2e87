import { LOG_LEVELS, readEnum, readNodeEnv, readNonNegativeInt, readPort, readUrl, requireInProduction, type Environment, type NodeEnv } from '../../lib/config';
import { readPrincipalSecret } from '../../lib/principal';
import { readAuthConfig, type AuthConfig } from './auth/config';
import { AUTHORIZATION_MODES, type AuthorizationMode } from './authorization/authorizing-gateway';
import { readClientPolicies, readIntrospectionKinds, readPartnerWriteClients, type ClientKind, type ClientPolicy } from './client-policy';
import { readPersistedQueriesConfig, type PersistedQueriesConfig } from './persisted/config';
import { readResilienceConfig, type ResilienceConfig } from './resilience/config';

/** The subgraphs the supergraph names. */
export const SUBGRAPH_NAMES = ['identity', 'assets', 'incidents'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export interface GatewayConfig {
  port: number;
  host: string;
  /** The composed supergraph (npm run compose); loaded once at start, never fetched from the subgraphs. */
  supergraphPath: string;
  /** Where each subgraph listens; these override the URLs embedded in the supergraph. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Signs the principal header the subgraphs verify. */
  principalSecret: Buffer;
  /** What happens to fields the caller's scopes do not cover: filter (null + error), reject, or dry-run. */
  authorizationMode: AuthorizationMode;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  auth: AuthConfig;
  /** Shared state of all gateway replicas (APQ, rate limits); in-memory stores when unset. */
  redisUrl: string | undefined;
  persistedQueries: PersistedQueriesConfig;
  resilience: ResilienceConfig;
  clientPolicies: Record<ClientKind, ClientPolicy>;
  introspectionKinds: Set<ClientKind>;
  /** Partner clients whose tokens may carry write scopes; every other partner's are dropped. */
  partnerWriteClients: Set<string>;
  /** Where the audit trail goes: stdout, stderr, off, or a file. */
  auditLog: string;
  /** Operations allowed in one array-batched request; 0 turns batching off. */
  batchMaxOperations: number;
  /** Identical queries in flight (same principal, operation, variables) execute once, and so do identical subgraph fetches. */
  deduplication: boolean;
}

const HTTP = ['http:', 'https:'];

/** Reads and validates the gateway's environment; a bad value is a ConfigError naming the variable. */
export function readGatewayConfig(env: Environment): GatewayConfig {
  return {
    port: readPort(env, 'PORT', 4000),
    host: env.HOST || '127.0.0.1',
    supergraphPath: env.SUPERGRAPH_PATH || 'schema/supergraph.graphql',
    subgraphUrls: {
      identity: readUrl(env, 'IDENTITY_URL', HTTP) ?? 'http://127.0.0.1:4001/graphql',
      assets: readUrl(env, 'ASSETS_URL', HTTP) ?? 'http://127.0.0.1:4002/graphql',
      incidents: readUrl(env, 'INCIDENTS_URL', HTTP) ?? 'http://127.0.0.1:4003/graphql',
    },
    principalSecret: readPrincipalSecret(env),
    authorizationMode: readEnum(env, 'AUTHORIZATION_MODE', AUTHORIZATION_MODES, 'filter'),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    nodeEnv: readNodeEnv(env),
    auth: readAuthConfig(env),
    redisUrl: readRedisUrl(env),
    persistedQueries: readPersistedQueriesConfig(env),
    resilience: readResilienceConfig(env),
    clientPolicies: readClientPolicies(env),
    introspectionKinds: readIntrospectionKinds(env, readNodeEnv(env) === 'production'),
    partnerWriteClients: readPartnerWriteClients(env),
    auditLog: env.AUDIT_LOG || 'stdout',
    batchMaxOperations: readNonNegativeInt(env, 'BATCH_MAX_OPERATIONS', 0),
    deduplication: readEnum(env, 'DEDUPLICATION', ['on', 'off'], 'on') === 'on',
  };
}

function readRedisUrl(env: Environment): string | undefined {
  requireInProduction(env, 'REDIS_URL', 'replicas share persisted queries and rate limit budgets through it');
  return readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
}
