import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type GraphQLFormattedError } from 'graphql';
import { databaseUnavailable, ErrorCode, StoreUnavailableError, unauthenticated } from '../lib/errors';
import type { StoreStats } from './documents/store';
import { close as closeHttpServer, createGraphQLHttpServer, type Readiness } from '../lib/http-server';
import type { Logger } from '../lib/logger';
import { PRINCIPAL_HEADER, PrincipalRejected, verifyPrincipal, type Principal } from '../lib/principal';
import type { SubgraphService } from '../lib/service';
import { subgraphMetricsPlugin, type SubgraphMetrics } from './metrics';

/** What every subgraph resolver receives: the verified principal and this request's loaders. */
export interface SubgraphContext<TLoaders> extends BaseContext {
  principal: Principal;
  loaders: TLoaders;
  requestId: string;
}

export interface SubgraphOptions<TLoaders> {
  /** The service name, as the supergraph and error extensions name it. */
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<SubgraphContext<TLoaders>>;
  /** Creates this request's loaders for this principal; called once per request. */
  createLoaders: (principal: Principal) => TLoaders;
  logger: Logger;
  /** When given, requests are counted by outcome. */
  metrics?: SubgraphMetrics;
}

/** Builds a subgraph's Apollo Server. Stack traces never leave it; store failures become DATABASE_UNAVAILABLE. */
export function createSubgraphApollo<TLoaders>(options: SubgraphOptions<TLoaders>): ApolloServer<SubgraphContext<TLoaders>> {
  return new ApolloServer<SubgraphContext<TLoaders>>({
    schema: buildSubgraphSchema({ typeDefs: parse(options.typeDefs), resolvers: options.resolvers as never }),
    includeStacktraceInErrorResponses: false,
    // lib/subgraph-main.ts owns SIGINT/SIGTERM. Apollo's own handler would stop the server behind its back and re-raise
    // the signal, and then the service's close() never finished (the process hung on Ctrl-C).
    stopOnTerminationSignals: false,
    // Inline traces (ftv1) exist for Apollo's hosted usage reporting, which Palisade never sends.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), ...(options.metrics ? [subgraphMetricsPlugin(options.metrics)] : [])],
    formatError: (formatted, error) => formatSubgraphError(options.name, options.logger, formatted, error),
  });
}

export function formatSubgraphError(service: string, logger: Logger, formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof StoreUnavailableError) {
    logger.error({ err: original }, 'database unavailable');
    const replacement = databaseUnavailable(service);
    return { ...formatted, message: replacement.message, extensions: { ...replacement.extensions } };
  }
  const code = formatted.extensions?.code;
  if (code === ErrorCode.INTERNAL_SERVER_ERROR || code === undefined) {
    logger.error({ err: original }, 'internal error in a resolver');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, serviceName: service } };
  }
  return formatted;
}

export interface SubgraphHttpOptions<TLoaders> {
  apollo: ApolloServer<SubgraphContext<TLoaders>>;
  createLoaders: (principal: Principal) => TLoaders;
  principalSecret: Buffer;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  /** When given, served on /metrics, beside /healthz: without a principal (the network keeps it internal). */
  metrics?: SubgraphMetrics;
}

/**
 * The subgraph's HTTP server. A request without a valid principal signed by the gateway is refused with
 * 401 before any resolver runs, so calling a subgraph directly bypasses nothing.
 */
export function createSubgraphHttpServer<TLoaders>(options: SubgraphHttpOptions<TLoaders>) {
  const { metrics } = options;
  return createGraphQLHttpServer({
    apollo: options.apollo,
    logger: options.logger,
    readiness: options.readiness,
    metrics: metrics ? () => metrics.exposition() : undefined,
    context: async (request: IncomingMessage, requestId: string) => {
      const principal = principalOf(request, options.principalSecret);
      return { principal, loaders: options.createLoaders(principal), requestId };
    },
  });
}

function principalOf(request: IncomingMessage, secret: Buffer): Principal {
  const header = request.headers[PRINCIPAL_HEADER];
  try {
    return verifyPrincipal(Array.isArray(header) ? header[0] : header, secret);
  } catch (error) {
    if (error instanceof PrincipalRejected) throw unauthenticated(error.message);
    throw error;
  }
}


export interface SubgraphAssemblyOptions<TLoaders> {
  name: string;
  /** The service's schema.graphql. */
  schemaPath: string;
  resolvers: GraphQLResolverMap<SubgraphContext<TLoaders>>;
  createLoaders: (principal: Principal) => TLoaders;
  principalSecret: Buffer;
  logger: Logger;
  metrics: SubgraphMetrics;
  /** The store's round-trip counter, which tests read to prove batching. */
  stats: StoreStats;
  readiness: () => Promise<Readiness>;
  /** Closes the store once the HTTP server and Apollo Server have stopped. */
  closeStore: () => Promise<void>;
}

/** A built subgraph: what every subgraph service returns from its server.ts. */
export interface AssembledSubgraph<TLoaders> extends SubgraphService {
  /** For tests that run operations without HTTP (executeOperation with a context from createLoaders). */
  readonly apollo: ApolloServer<SubgraphContext<TLoaders>>;
  createLoaders(principal: Principal): TLoaders;
  /** What /metrics serves: database operation durations, loader batch sizes, requests. */
  readonly metrics: SubgraphMetrics;
}

/**
 * Starts Apollo Server over the subgraph's schema and builds its HTTP server (never listening), with a
 * close() that stops in order (HTTP, Apollo, then the store) and is safe to call twice.
 */
export async function assembleSubgraph<TLoaders>(options: SubgraphAssemblyOptions<TLoaders>): Promise<AssembledSubgraph<TLoaders>> {
  const { name, createLoaders, logger, metrics, readiness } = options;
  const apollo = createSubgraphApollo({ name, typeDefs: readFileSync(options.schemaPath, 'utf8'), resolvers: options.resolvers, createLoaders, logger, metrics });
  await apollo.start();
  const httpServer = createSubgraphHttpServer({ apollo, createLoaders, principalSecret: options.principalSecret, readiness, logger, metrics });
  let closing: Promise<void> | undefined;
  const close = async () => {
    await closeHttpServer(httpServer);
    await apollo.stop();
    await options.closeStore();
  };
  return { name, httpServer, stats: options.stats, apollo, createLoaders, metrics, readiness, close: () => (closing ??= close()) };
}

/** Readiness of a subgraph whose only dependency is its store: ready while the store answers a ping. */
export function storeReadiness(name: string, ping: () => Promise<void>, logger: Logger): () => Promise<Readiness> {
  return async () => {
    try {
      await ping();
      return { ready: true, checks: { database: 'ok' } };
    } catch (error) {
      logger.warn({ err: error }, `readiness: the ${name} database does not answer`);
      return { ready: false, checks: { database: 'unavailable' } };
    }
  };
}
