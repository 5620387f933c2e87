import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ConfigError, ErrorCode } from '../../lib/errors';
import { close, createGraphQLHttpServer } from '../../lib/http-server';
import { createLogger, type Logger } from '../../lib/logger';
import { createAuthenticator } from './auth/authenticator';
import { AuthorizingGateway } from './authorization/authorizing-gateway';
import { POLICIES } from './authorization/policies';
import { withoutSecurityPurpose } from './authorization/requirements';
import { SUBGRAPH_NAMES, type GatewayConfig, type SubgraphName } from './config';
import { createContextFunction, type GatewayContext } from './context';
import { checkReadiness } from './readiness';
import { SignedSubgraphDataSource } from './subgraph-data-source';

export interface Gateway {
  readonly httpServer: Server;
  readonly apollo: ApolloServer<GatewayContext>;
  /** Stops the HTTP server and the gateway. Safe to call twice. */
  close(): Promise<void>;
}

/** Builds the gateway over the static supergraph and starts Apollo Server; the caller binds the port. */
export async function createGateway(config: GatewayConfig, logger: Logger = createLogger('gateway', config.logLevel)): Promise<Gateway> {
  // Set here, before any ApolloGateway exists, so that every entry point and test gets it: otherwise the
  // gateway exports usage metrics to Apollo and probes cloud metadata addresses, unasked (DESIGN.md, Facts).
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';

  const supergraphSdl = readSupergraph(config.supergraphPath);
  const authenticator = await createAuthenticator(config.auth);
  const federation = new ApolloGateway({
    // @apollo/gateway refuses authorization directives linked for SECURITY; AuthorizingGateway enforces them.
    supergraphSdl: withoutSecurityPurpose(supergraphSdl),
    logger,
    __exposeQueryPlanExperimental: false,
    buildService: ({ name }) => new SignedSubgraphDataSource(name, subgraphUrl(config, name), config.principalSecret, logger),
  });
  const gateway = new AuthorizingGateway(federation, { mode: config.authorizationMode, policies: POLICIES, logger });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    logger,
    includeStacktraceInErrorResponses: false,
    // index.ts owns SIGINT/SIGTERM and calls close(); Apollo's own handler would stop it behind our back.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled()],
    formatError: (formatted, error) => maskInternalError(formatted, error, logger),
  });
  await apollo.start();
  let serving = true;

  const httpServer = createGraphQLHttpServer({
    apollo,
    logger,
    context: createContextFunction(authenticator),
    readiness: () => checkReadiness(serving, config.subgraphUrls),
  });

  let closing: Promise<void> | undefined;
  const stop = async () => {
    serving = false;
    await Promise.all([close(httpServer), apollo.stop()]);
  };
  return { httpServer, apollo, close: () => (closing ??= stop()) };
}

/**
 * An error of the gateway's own without a code is a bug; its message can hold internals, so the client gets
 * a generic one and the log the cause. Subgraph errors (serviceName set) were already masked at the source.
 */
function maskInternalError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const extensions = formatted.extensions ?? {};
  if (extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR || extensions.serviceName !== undefined) return formatted;
  logger.error({ err: unwrapResolverError(error) }, 'internal error in the gateway');
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

function readSupergraph(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('SUPERGRAPH_PATH', `cannot read the supergraph at ${path} (${reason}); run npm run compose to write it`);
  }
}

/** The configured URL of a subgraph the supergraph names; it overrides the one embedded in the supergraph. */
function subgraphUrl(config: GatewayConfig, name: string): string {
  if (!(SUBGRAPH_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError('SUPERGRAPH_PATH', `the supergraph names a subgraph "${name}" that the gateway has no URL for`);
  }
  return config.subgraphUrls[name as SubgraphName];
}
