import { LOG_LEVELS, readEnum, readNodeEnv, readNonNegativeInt, readPort, readUrl, requireInProduction, type Environment, type NodeEnv } from '../../lib/config';
import { readPrincipalSecret, type ClientKind } from '../../lib/principal';
import { readPartnerWriteClients } from '../../lib/authentication/agreed-scopes';
import { readAuthConfig } from '../../lib/authentication/config';
import type { AuthenticationConfig } from './authentication';
import { AUTHORIZATION_MODES, type AuthorizationMode } from './authorization';
import { readClientPolicyOverrides } from './client-policies';
import { readCorsOrigins } from './cors/config';
import { readExplorerConfig, type ExplorerConfig } from './explorer/config';
import { readMaxCost } from './cost/config';
import { readIntrospectionKinds } from './introspection/config';
import { readOperationLimits, type OperationLimits } from './operation-limits/config';
import { readPersistedQueriesConfig, type PersistedQueriesConfig } from './persisted-operations/config';
import { readRateLimitsConfig, type RateLimitsConfig } from './rate-limits/config';
import { readResilienceConfig, type ResilienceConfig } from './resilience/config';
import { readSubscriptionsConfig, type SubscriptionsConfig } from './subscriptions/config';
import { SubgraphUrls } from './supergraph/subgraph-urls';

/** The gateway's configuration: one section per behaviour, each read and checked by the behaviour's own config.ts. */
export interface GatewayConfig {
  port: number;
  host: string;
  /** The metrics listener, which the public Service does not expose. */
  metricsPort: number;
  metricsHost: string;
  /** The composed supergraph (npm run compose); watched, never fetched from the subgraphs. */
  supergraphPath: string;
  /** Where each subgraph is called: the supergraph's URL unless SUBGRAPH_<NAME>_URL overrides it. */
  subgraphUrls: SubgraphUrls;
  /** Signs the principal header the subgraphs verify. */
  principalSecret: Buffer;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  authentication: AuthenticationConfig;
  /** What happens to fields the caller's scopes do not cover: filter (null + error), reject, or dry-run. */
  authorizationMode: AuthorizationMode;
  /** Shared state of all gateway replicas (APQ, rate limits); in-memory stores when unset. */
  redisUrl: string | undefined;
  persistedQueries: PersistedQueriesConfig;
  resilience: ResilienceConfig;
  operationLimits: Record<ClientKind, OperationLimits>;
  maxCost: Record<ClientKind, number>;
  rateLimits: RateLimitsConfig;
  introspectionKinds: Set<ClientKind>;
  /** Where the audit trail goes: stdout, stderr, off, or a file. */
  auditLog: string;
  /** Operations allowed in one array-batched request; 0 turns batching off. */
  batchMaxOperations: number;
  /** Identical queries in flight (same principal, operation, variables) execute once, and so do identical subgraph fetches. */
  deduplication: boolean;
  /** Origins whose pages may call the gateway from a browser. */
  corsOrigins: string[];
  explorer: ExplorerConfig;
  subscriptions: SubscriptionsConfig;
}

export const DEFAULT_GATEWAY_PORT = 4000;
export const DEFAULT_METRICS_PORT = 9400;

/** Reads and validates the gateway's environment; a bad value is a ConfigError naming the variable. */
export function readGatewayConfig(env: Environment): GatewayConfig {
  const nodeEnv = readNodeEnv(env);
  const clientPolicies = readClientPolicyOverrides(env);
  const host = env.HOST || '127.0.0.1';
  return {
    port: readPort(env, 'PORT', DEFAULT_GATEWAY_PORT),
    host,
    metricsPort: readPort(env, 'METRICS_PORT', DEFAULT_METRICS_PORT),
    metricsHost: env.METRICS_HOST || host,
    supergraphPath: env.SUPERGRAPH_PATH || 'schema/supergraph.graphql',
    subgraphUrls: SubgraphUrls.read(env),
    principalSecret: readPrincipalSecret(env),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    nodeEnv,
    authentication: { tokens: readAuthConfig(env), partnerWriteClients: readPartnerWriteClients(env) },
    authorizationMode: readEnum(env, 'AUTHORIZATION_MODE', AUTHORIZATION_MODES, 'filter'),
    redisUrl: readRedisUrl(env),
    persistedQueries: readPersistedQueriesConfig(env),
    resilience: readResilienceConfig(env),
    operationLimits: readOperationLimits(clientPolicies),
    maxCost: readMaxCost(clientPolicies),
    rateLimits: readRateLimitsConfig(env, clientPolicies),
    introspectionKinds: readIntrospectionKinds(env, nodeEnv === 'production'),
    auditLog: env.AUDIT_LOG || 'stdout',
    batchMaxOperations: readNonNegativeInt(env, 'BATCH_MAX_OPERATIONS', 0),
    deduplication: readEnum(env, 'DEDUPLICATION', ['on', 'off'], 'on') === 'on',
    corsOrigins: readCorsOrigins(env, nodeEnv === 'production'),
    explorer: readExplorerConfig(env, nodeEnv === 'production'),
    subscriptions: readSubscriptionsConfig(env, clientPolicies),
  };
}

function readRedisUrl(env: Environment): string | undefined {
  requireInProduction(env, 'REDIS_URL', 'replicas share persisted queries and rate limit budgets through it');
  return readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
}
