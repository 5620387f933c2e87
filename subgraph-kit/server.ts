import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import { unauthenticated } from '../lib/errors';
import { createGraphQLHttpServer, type Readiness, type RouteHandler } from '../lib/http-server';
import type { Logger } from '../lib/logger';
import { PRINCIPAL_HEADER, PrincipalRejected, principalVerifier, type Principal } from '../lib/principal';
import { argumentChecksPlugin } from './argument-checks';
import { formatSubgraphError } from './format-error';
import { subgraphMetricsPlugin, type SubgraphMetrics } from './metrics';
import { servePageSizeDefaults } from './page-size-default';

/** What every subgraph resolver receives: the verified principal and this request's loaders. */
export interface SubgraphContext<TLoaders> extends BaseContext {
  principal: Principal;
  loaders: TLoaders;
  requestId: string;
}

export interface SubgraphApolloOptions<TLoaders> {
  /** The service name, as the supergraph and error extensions name it. */
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<SubgraphContext<TLoaders>>;
  logger: Logger;
  metrics: SubgraphMetrics;
  /** The deadline of one store query, which a DEADLINE_EXCEEDED answer names. */
  queryTimeoutMs: number;
  /** Called after every mutation is answered: its changes are committed, and may be published now. */
  onMutation?: () => void;
}

/**
 * Builds a subgraph's Apollo Server over its SDL: arguments are bounded before any resolver runs, errors are
 * answered as format-error.ts says, requests are counted.
 */
export function createSubgraphApollo<TLoaders>(options: SubgraphApolloOptions<TLoaders>): ApolloServer<SubgraphContext<TLoaders>> {
  const schema = buildSubgraphSchema({ typeDefs: parse(options.typeDefs), resolvers: options.resolvers as never });
  servePageSizeDefaults(schema);
  return new ApolloServer<SubgraphContext<TLoaders>>({
    schema,
    includeStacktraceInErrorResponses: false,
    // The service owns SIGINT/SIGTERM (define-subgraph.ts). Apollo's own handler would stop the server behind its
    // back and re-raise the signal, and then the service's close() never finished (the process hung on Ctrl-C).
    stopOnTerminationSignals: false,
    // Inline traces (ftv1) exist for Apollo's hosted usage reporting, which Palisade never sends. Cache hints
    // (@cacheControl) are for HTTP caches, which answers scoped to a principal never go through; computing them
    // wrapped every field's resolver.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      subgraphMetricsPlugin(options.metrics),
      argumentChecksPlugin(),
      ...(options.onMutation ? [afterMutations(options.onMutation)] : []),
    ],
    formatError: (formatted, error) => formatSubgraphError(options, formatted, error),
  });
}

export interface SubgraphHttpOptions<TLoaders> {
  apollo: ApolloServer<SubgraphContext<TLoaders>>;
  /** Creates this request's loaders for its verified principal; called once per request. */
  createLoaders: (principal: Principal) => TLoaders;
  principalSecret: Buffer;
  readiness: () => Promise<Readiness>;
  logger: Logger;
  /** More paths served beside /graphql: the change stream, the embedded intake's /ingest/<class_uid>. */
  routes?: Readonly<Record<string, RouteHandler>>;
}

/**
 * The subgraph's public HTTP server: /graphql, /healthz, /readyz. A request without a valid principal signed by
 * the gateway is refused with 401 before any resolver runs, so calling a subgraph directly bypasses nothing.
 */
export function createSubgraphHttpServer<TLoaders>(options: SubgraphHttpOptions<TLoaders>) {
  const verify = principalVerifier(options.principalSecret);
  return createGraphQLHttpServer({
    apollo: options.apollo,
    logger: options.logger,
    readiness: options.readiness,
    routes: options.routes,
    context: async (request: IncomingMessage, requestId: string) => {
      const principal = principalOf(request, verify);
      return { principal, loaders: options.createLoaders(principal), requestId };
    },
  });
}

function principalOf(request: IncomingMessage, verify: (header: string | undefined) => Principal): Principal {
  const header = request.headers[PRINCIPAL_HEADER];
  try {
    return verify(Array.isArray(header) ? header[0] : header);
  } catch (error) {
    if (error instanceof PrincipalRejected) throw unauthenticated(error.message);
    throw error;
  }
}

/** Calls `onMutation` once a mutation has been answered. */
function afterMutations<TContext extends BaseContext>(onMutation: () => void): ApolloServerPlugin<TContext> {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ operation }) => {
        if (operation?.operation === 'mutation') onMutation();
      },
    }),
  };
}
