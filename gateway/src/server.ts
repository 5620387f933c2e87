import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import Redis from 'ioredis';
import { ConfigError, ErrorCode } from '../../lib/errors';
import { close, createGraphQLHttpServer } from '../../lib/http-server';
import { createLogger, type Logger } from '../../lib/logger';
import { AuditTrail, openAuditSink } from './audit';
import { createAuthenticator } from './auth/authenticator';
import { AuthorizingGateway } from './authorization/authorizing-gateway';
import { POLICIES } from './authorization/policies';
import { SUBGRAPH_NAMES, type GatewayConfig, type SubgraphName } from './config';
import type { GatewayContext } from './context';
import { CostModel, demandControlPlugin } from './cost/demand-control-plugin';
import { DeduplicatingGateway } from './deduplication/deduplicating-gateway';
import { introspectionPolicyPlugin } from './introspection';
import { GatewayMetrics } from './metrics';
import { metricsPlugin } from './metrics-plugin';
import { PersistedOperations, RedisApqCache } from './persisted';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit/rate-limit-store';
import { RedisRateLimitStore } from './rate-limit/redis-rate-limit-store';
import { RateLimiter } from './rate-limit/rate-limiter';
import { checkReadiness } from './readiness';
import { createRequestPipeline } from './request-pipeline';
import { createSubgraphFetcher, type SubgraphFetcher } from './resilience';
import { SignedSubgraphDataSource } from './subgraph-data-source';
import { SupergraphFile } from './supergraph-file';

/** Fields whose requirement names one of these scopes are "sensitive" in the audit trail. */
const SENSITIVE_SCOPES = new Set(['pii:read', 'vulnerabilities:read']);
const BREAKER_GAUGE = { closed: 0, 'half-open': 1, open: 2 } as const;

export interface Gateway {
  readonly httpServer: Server;
  readonly apollo: ApolloServer<GatewayContext>;
  readonly metrics: GatewayMetrics;
  /** Reads SUPERGRAPH_PATH again now (the file is also watched). */
  readonly supergraph: SupergraphFile;
  /** Stops the HTTP server and the gateway, letting requests in flight finish. Safe to call twice. */
  close(): Promise<void>;
}

/** Builds the gateway over the static supergraph and starts Apollo Server; the caller binds the port. */
export async function createGateway(config: GatewayConfig, logger: Logger = createLogger('gateway', config.logLevel)): Promise<Gateway> {
  // Set here, before any ApolloGateway exists, so that every entry point and test gets it: otherwise the
  // gateway exports usage metrics to Apollo and probes cloud metadata addresses, unasked (DESIGN.md, Facts).
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';

  const metrics = new GatewayMetrics();
  const supergraph = new SupergraphFile(config.supergraphPath, {
    logger,
    onReload: (result) => {
      if (result !== 'unchanged') metrics.supergraphReloads.inc({ result });
    },
  });
  const authenticator = await createAuthenticator(config.auth);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;

  const fetchers = new Map<string, SubgraphFetcher>();
  for (const name of SUBGRAPH_NAMES) {
    const fetcher = createSubgraphFetcher({
      subgraph: name,
      ...config.resilience,
      onFetch: (event) => metrics.subgraphFetchDuration.observe({ subgraph: event.subgraph, outcome: event.outcome }, event.durationMs / 1000),
    });
    metrics.subgraphBreakerState.set({ subgraph: name }, 0);
    fetcher.onStateChange(({ subgraph, from, to }) => {
      metrics.subgraphBreakerState.set({ subgraph }, BREAKER_GAUGE[to]);
      logger.warn({ subgraph, from, to }, 'subgraph circuit breaker changed state');
    });
    fetchers.set(name, fetcher);
  }

  const federation = new ApolloGateway({
    supergraphSdl: supergraph,
    logger,
    __exposeQueryPlanExperimental: false,
    buildService: ({ name }) =>
      new SignedSubgraphDataSource({
        serviceName: name,
        url: subgraphUrl(config, name),
        principalSecret: config.principalSecret,
        logger,
        fetcher: fetchers.get(name),
        deduplicate: config.deduplication,
        onJoin: () => metrics.deduplicated.inc({ stage: 'subgraph_fetch' }),
      }),
  });
  countPlanCacheLookups(federation, metrics);
  const executing = config.deduplication ? new DeduplicatingGateway(federation, () => metrics.deduplicated.inc({ stage: 'operation' })) : federation;
  const authorizing = new AuthorizingGateway(executing, {
    mode: config.authorizationMode,
    policies: POLICIES,
    logger,
    onDecisionLookup: (result) => metrics.cacheLookups.inc({ cache: 'authorization', result }),
  });
  const costModel = new CostModel();
  // Persisted operations are validated against the schema the gateway serves, again whenever it changes.
  let persisted: PersistedOperations | undefined;
  let servedSchema: GraphQLSchema | undefined;
  authorizing.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    costModel.update(coreSupergraphSdl);
    servedSchema = apiSchema;
    persisted?.updateSchema(apiSchema);
  });

  const rateLimitStore: RateLimitStore = redis ? new RedisRateLimitStore(redis) : new MemoryRateLimitStore();
  const rateLimiter = new RateLimiter(rateLimitStore, (kind) => config.clientPolicies[kind].rateLimit, logger);
  const auditSink = openAuditSink(config.auditLog);
  const audit = new AuditTrail(auditSink.write, (coordinate) =>
    (authorizing.requirementOf(coordinate)?.scopes ?? []).some((alternative) => alternative.some((scope) => SENSITIVE_SCOPES.has(scope))),
  );
  const production = config.nodeEnv === 'production';

  const apollo = new ApolloServer<GatewayContext>({
    gateway: authorizing,
    logger,
    includeStacktraceInErrorResponses: false,
    // Per client kind, by the introspection plugin; Apollo's own switch is all or nothing.
    introspection: true,
    // No "Did you mean ...?" in production: suggestions map the schema for whoever cannot introspect it.
    hideSchemaDetailsFromClientErrors: production,
    persistedQueries: redis ? { cache: new RedisApqCache(redis, { ttlSeconds: config.persistedQueries.apqTtlSeconds, logger }), ttl: config.persistedQueries.apqTtlSeconds } : {},
    allowBatchedHttpRequests: config.batchMaxOperations > 0,
    // index.ts owns SIGINT/SIGTERM and calls close(); Apollo's own handler would stop it behind our back.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      introspectionPolicyPlugin(config.introspectionKinds),
      demandControlPlugin(costModel, config.clientPolicies, rateLimiter, metrics),
      audit.plugin<GatewayContext>(),
      metricsPlugin(metrics),
    ],
    formatError: (formatted, error) => maskInternalError(formatted, error, logger),
  });
  await apollo.start();
  let serving = true;
  if (config.persistedQueries.path) {
    try {
      persisted = PersistedOperations.load({ path: config.persistedQueries.path, schema: servedSchema!, mode: config.persistedQueries.mode, users: config.persistedQueries.users, logger });
    } catch (error) {
      await apollo.stop();
      throw error;
    }
  }

  const httpServer = createGraphQLHttpServer({
    apollo,
    logger,
    prepare: createRequestPipeline({ authenticator, rateLimiter, persisted, policies: config.clientPolicies, metrics, audit, batchMaxOperations: config.batchMaxOperations, partnerWriteClients: config.partnerWriteClients }),
    readiness: () => checkReadiness(serving, config.subgraphUrls, (name) => fetchers.get(name)?.state() ?? 'closed'),
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
  });

  let closing: Promise<void> | undefined;
  const stop = async () => {
    serving = false;
    // In-flight requests finish first; then the pools, watchers and connections they used are closed.
    await close(httpServer);
    await apollo.stop();
    persisted?.close();
    await Promise.all([...fetchers.values()].map((fetcher) => fetcher.close()));
    await rateLimitStore.close();
    await auditSink.close();
    if (redis) await redis.quit().catch(() => undefined);
  };
  return { httpServer, apollo, metrics, supergraph, close: () => (closing ??= stop()) };
}

/**
 * Counts hits and misses of the query plan cache. `@apollo/gateway` keeps its plan store private and offers
 * no hook, so the store's get is wrapped; test/operations.test.ts fails if a new version moves it.
 */
function countPlanCacheLookups(gateway: ApolloGateway, metrics: GatewayMetrics): void {
  const store = (gateway as unknown as { queryPlanStore?: { get(key: string): Promise<unknown> } }).queryPlanStore;
  if (!store) return;
  const get = store.get.bind(store);
  store.get = async (key: string) => {
    const plan = await get(key);
    metrics.cacheLookups.inc({ cache: 'query_plan', result: plan ? 'hit' : 'miss' });
    return plan;
  };
}

/**
 * Connects to Redis and waits briefly for it. Commands fail fast while it is away (no offline queue): rate
 * limits then let requests through and APQ answers PERSISTED_QUERY_NOT_FOUND, so the client sends the query.
 */
async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  // Auto-pipelining sends the commands of one event-loop turn (every request's rate-limit charges) in one
  // write: one write per command was 4% of the gateway's CPU under load.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, enableAutoPipelining: true });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      logger.warn('redis is not reachable yet; shared state degrades until it is');
      resolve();
    }, 3000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}

/**
 * What a client may see of an error. An INTERNAL_SERVER_ERROR's message can hold internals, whether the
 * gateway raised it (a bug: the log gets the cause) or a subgraph sent it unmasked: the client gets a generic
 * one. A stack trace never leaves, whoever put it in. An error Apollo Server raises without a code but with a
 * 4xx status (an APQ hash that does not match its query) is the client's, not internal: it keeps its message.
 */
function maskInternalError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  // `exception.stacktrace` is where Apollo Server 2 and 3 subgraphs put theirs.
  const { stacktrace, exception, ...extensions } = formatted.extensions ?? {};
  if (extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR) return stacktrace === undefined && exception === undefined ? formatted : { ...formatted, extensions };
  if (isClientError(error)) return { ...formatted, extensions: { ...extensions, code: 'BAD_REQUEST' } };
  const { serviceName } = extensions;
  if (serviceName === undefined) logger.error({ err: unwrapResolverError(error) }, 'internal error in the gateway');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(serviceName === undefined ? {} : { serviceName }) },
  };
}

function isClientError(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: number } | undefined)?.status;
  return status !== undefined && status >= 400 && status < 500;
}

/** The configured URL of a subgraph the supergraph names; it overrides the one embedded in the supergraph. */
function subgraphUrl(config: GatewayConfig, name: string): string {
  if (!(SUBGRAPH_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError('SUPERGRAPH_PATH', `the supergraph names a subgraph "${name}" that the gateway has no URL for`);
  }
  return config.subgraphUrls[name as SubgraphName];
}
