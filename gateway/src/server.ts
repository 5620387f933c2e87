import type { Server } from 'node:http';
import Redis from 'ioredis';
import type { ChangeSource } from '../../lib/change-events/change-event';
import { NatsChanges } from '../../lib/change-events/nats';
import { streamChanges } from '../../lib/change-events/stream-source';
import { close, createMetricsServer } from '../../lib/http-server';
import { createLogger, type Logger } from '../../lib/logger';
import { useAudit } from './audit';
import { openAuditSink } from '../../lib/audit-sink';
import { useAuthentication } from './authentication';
import { useAuthorization, type AuthorizationPlugin } from './authorization';
import { POLICIES } from './authorization/policies';
import { signDevelopmentToken } from '../../lib/authentication/development-key';
import type { GatewayConfig } from './config';
import { useCors } from './cors';
import { useCost } from './cost';
import { useDeduplication } from './deduplication';
import { useExplorer } from './explorer';
import { useIntrospection } from './introspection';
import { useMetrics } from './metrics';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { useOperationLimits } from './operation-limits';
import { usePersistedOperations } from './persisted-operations';
import { memoryApqStore, redisApqStore } from './persisted-operations/apq-store';
import { DocumentCache } from './pipeline/documents';
import { Federation } from './pipeline/federation';
import { createGatewayHttpServer } from './pipeline/http-server';
import { fetchChain, RequestPipeline } from './pipeline/pipeline';
import type { GatewayPlugin, StartedGateway } from './pipeline/plugin';
import type { ServedSchema } from './pipeline/served-schema';
import { usePrincipalForwarding } from './principal-forwarding';
import { useRateLimits } from './rate-limits';
import { RateLimiter } from './rate-limits/rate-limiter';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limits/rate-limit-store';
import { RedisRateLimitStore } from './rate-limits/redis-rate-limit-store';
import { reservingFrom } from './rate-limits/reserving-rate-limit-store';
import { checkReadiness } from './readiness';
import { useResilience } from './resilience';
import { useSubscriptions } from './subscriptions';
import { SupergraphFile } from './supergraph/supergraph-file';

/** Fields whose requirement names one of these scopes are "sensitive" in the audit trail. */
const SENSITIVE_SCOPES = new Set(['pii:read', 'vulnerabilities:read']);
const BREAKER_GAUGE = { closed: 0, 'half-open': 1, open: 2 } as const;
/** A request body larger than this is refused with 413 before it is parsed. */
const MAX_BODY_BYTES = 1_000_000;
/** Node's own default; a larger header block (a 20 KB token) is refused with 431 and a JSON error. */
const MAX_HEADER_BYTES = 16_384;

export interface Gateway {
  /** The public listener: /graphql, /healthz, /readyz. */
  readonly httpServer: Server;
  /** The metrics listener: /metrics, for Prometheus only. */
  readonly metricsServer: Server;
  readonly metrics: GatewayMetrics;
  /** Reads SUPERGRAPH_PATH again now (the file is also watched). */
  readonly supergraph: SupergraphFile;
  /** Stops both listeners and the gateway, letting requests in flight finish. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Assembles the gateway: the behaviours, in the order a request meets them (docs/architecture.md draws it),
 * `@apollo/gateway` for planning and execution, and the HTTP front. Builds the listeners; the caller binds them.
 */
export async function createGateway(config: GatewayConfig, logger: Logger = createLogger('gateway', config.logLevel)): Promise<Gateway> {
  const production = config.nodeEnv === 'production';
  const metrics = new GatewayMetrics();
  const supergraph = new SupergraphFile(config.supergraphPath, {
    logger,
    onReload: (result) => {
      if (result !== 'unchanged') metrics.supergraphReloads.inc({ result });
    },
  });
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const lookups = (cache: string) => (result: 'hit' | 'miss') => metrics.cacheLookups.inc({ cache, result });

  const authorization = useAuthorization({ mode: config.authorizationMode, policies: POLICIES, logger, onDecisionLookup: lookups('authorization') });
  const resilience = useResilience({
    ...config.resilience,
    onAttempt: ({ subgraph, outcome, durationMs }) => metrics.subgraphFetchDuration.observe({ subgraph, outcome }, durationMs / 1000),
    onBreakerChange: ({ subgraph, from, to }) => {
      metrics.subgraphBreakerState.set({ subgraph }, BREAKER_GAUGE[to]);
      logger.warn({ subgraph, from, to }, 'subgraph circuit breaker changed state');
    },
  });
  const apq = redis ? redisApqStore(redis, config.persistedQueries.apqTtlSeconds, logger) : memoryApqStore(config.persistedQueries.apqTtlSeconds);
  const rateLimitStore: RateLimitStore = redis ? reservingFrom(new RedisRateLimitStore(redis), config.rateLimits.reservePercent) : new MemoryRateLimitStore();
  const auditSink = openAuditSink(config.auditLog);

  const authentication = await useAuthentication(config.authentication);
  const persistedOperations = usePersistedOperations(config.persistedQueries, apq, logger, lookups('apq'));
  // The order is the request's path: who asks and how often, then the operation's text, shape, cost and budget,
  // then what it may read and how it runs; each fetch to a subgraph then meets the last three.
  const plugins: GatewayPlugin[] = [
    useCors(config.corsOrigins),
    useExplorer({ ...config.explorer, developmentToken: explorerToken(config), logger }),
    useSubscriptions({
      config: config.subscriptions,
      authenticate: async (authorization) => (await authentication.verify(authorization)).principal,
      changeSource: (gateway) => changeSourceFor(config, gateway, logger),
      logger,
      hideSuggestions: production,
      maxBodyBytes: MAX_BODY_BYTES,
      onDelivered: (lagMs, count) => {
        metrics.subscriptionEvents.inc({ outcome: 'delivered' }, count);
        metrics.subscriptionDeliveryLag.observe(lagMs / 1000);
      },
      onDropped: () => metrics.subscriptionEvents.inc({ outcome: 'dropped' }),
      onActiveChange: (kind, delta) => metrics.subscriptionsActive.inc({ client_kind: kind }, delta),
    }),
    useMetrics(metrics),
    useAudit(auditSink.write, (coordinate) => isSensitive(authorization, coordinate)),
    authentication,
    persistedOperations,
    useOperationLimits(config.operationLimits),
    useIntrospection(config.introspectionKinds),
    useCost(config.maxCost),
    useRateLimits(config.rateLimits, new RateLimiter(rateLimitStore, (kind) => config.rateLimits.budgets[kind], logger)),
    authorization,
    ...(config.deduplication ? [useDeduplication((stage) => metrics.deduplicated.inc({ stage }))] : []),
    usePrincipalForwarding(config.principalSecret),
    resilience,
  ];

  const federation = new Federation({
    supergraph,
    subgraphUrl: (name, url) => config.subgraphUrls.resolve(name, url),
    chain: fetchChain(plugins),
    logger,
    onPlanLookup: lookups('query_plan'),
  });
  const reportBreakers = () => {
    for (const name of federation.subgraphs().keys()) metrics.subgraphBreakerState.set({ subgraph: name }, BREAKER_GAUGE[resilience.breakerState(name)]);
  };
  const documents = new DocumentCache({ maxTokens: Math.max(...Object.values(config.operationLimits).map((limits) => limits.maxTokens)), onLookup: lookups('document') });
  // A request by persisted id finds its plan made: on start, and again for every new supergraph.
  const planPersistedOperations = () => {
    const entries = (persistedOperations.list?.bodies() ?? []).map((body) => documents.get(body));
    const planned = federation.planAhead(entries.flatMap((entry) => (entry.document ? [{ document: entry.document, queryHash: entry.hash }] : [])));
    if (planned > 0) logger.info({ planned }, 'persisted operations planned ahead');
  };
  federation.onSchema((schema) => {
    announceSchema(plugins, schema, logger);
    planPersistedOperations();
    reportBreakers();
  });
  const pipeline = new RequestPipeline({
    plugins,
    documents,
    schema: () => federation.schema,
    execute: (operation, executable) => federation.execute(operation, executable),
    batchMaxOperations: config.batchMaxOperations,
    hideSuggestions: production,
    logger,
  });
  const closePlugins = () => Promise.all(plugins.map((plugin) => plugin.close?.()));
  try {
    const first = await federation.load();
    const started = { pipeline, subgraphUrls: () => subgraphUrlsOf(federation) };
    for (const plugin of plugins) await plugin.onStart?.(first, started);
    planPersistedOperations();
    reportBreakers();
  } catch (error) {
    await closePlugins();
    await federation.stop();
    await auditSink.close();
    await redis?.quit().catch(() => undefined);
    throw error;
  }
  for (const variable of config.subgraphUrls.unused(federation.subgraphs().keys())) {
    logger.warn({ variable }, 'a subgraph URL override names no subgraph of the supergraph; check its spelling');
  }

  let serving = true;
  const httpServer = createGatewayHttpServer({
    graphql: (request) => pipeline.run(request),
    onHttp: plugins.flatMap((plugin) => (plugin.onHttp ? [plugin.onHttp.bind(plugin)] : [])),
    onUpgrade: plugins.flatMap((plugin) => (plugin.onUpgrade ? [plugin.onUpgrade.bind(plugin)] : [])),
    readiness: () => checkReadiness(serving, subgraphUrlsOf(federation), (name) => resilience.breakerState(name)),
    logger,
    maxBodyBytes: MAX_BODY_BYTES,
    maxHeaderBytes: MAX_HEADER_BYTES,
  });
  const metricsServer = createMetricsServer(async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }), logger);

  let closing: Promise<void> | undefined;
  const stop = async () => {
    serving = false;
    // Long-lived connections are told to reconnect elsewhere, requests in flight finish; then what they used is closed.
    const closing = closePlugins();
    await Promise.all([close(httpServer), close(metricsServer), closing]);
    await federation.stop();
    await rateLimitStore.close();
    await auditSink.close();
    if (redis) await redis.quit().catch(() => undefined);
  };
  return { httpServer, metricsServer, metrics, supergraph, close: () => (closing ??= stop()) };
}

/** Tells every behaviour of a new supergraph; one that fails to take it is logged, and the others still get it. */
function announceSchema(plugins: readonly GatewayPlugin[], schema: ServedSchema, logger: Logger): void {
  for (const plugin of plugins) {
    try {
      plugin.onSchema?.(schema);
    } catch (error) {
      logger.error({ err: error, plugin: plugin.name }, 'a behaviour could not take the new supergraph');
    }
  }
}

/** Where subscriptions hear of changes: NATS JetStream when NATS_URL is set, else every subgraph's own change stream. */
async function changeSourceFor(config: GatewayConfig, gateway: StartedGateway, logger: Logger): Promise<ChangeSource> {
  const { natsUrl, changes } = config.subscriptions;
  if (natsUrl) return NatsChanges.connect({ url: natsUrl, logger, ...changes });
  return streamChanges({ urls: Object.values(gateway.subgraphUrls()), secret: config.principalSecret, logger });
}

/** Scopes of the explorer's development token: every read scope of the demo schema. */
const EXPLORER_SCOPES = ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'];

/**
 * Outside production, where the gateway itself holds the development key, the explorer opens with a token for the
 * demo user, and hands it to development pages at /explorer/token.
 */
function explorerToken(config: GatewayConfig): (() => Promise<string>) | undefined {
  const { keySource, issuer, audience } = config.authentication.tokens;
  if (config.nodeEnv === 'production' || keySource.kind !== 'development') return undefined;
  return () => signDevelopmentToken({ directory: keySource.directory, sub: 'usr-acme-00001', tenant: 'acme', scopes: EXPLORER_SCOPES, expiresIn: '8h', issuer, audience });
}

function isSensitive(authorization: AuthorizationPlugin, coordinate: string): boolean {
  return (authorization.requirementOf(coordinate)?.scopes ?? []).some((alternative) => alternative.some((scope) => SENSITIVE_SCOPES.has(scope)));
}

function subgraphUrlsOf(federation: Federation): Record<string, string> {
  return Object.fromEntries([...federation.subgraphs()].map(([name, client]) => [name, client.url]));
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
