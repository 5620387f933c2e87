import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { Logger } from '../../lib/logger';
import { PRINCIPAL_HEADER, principalKey, signPrincipal } from '../../lib/principal';
import type { GatewayContext } from './context';
import { InFlight } from './deduplication/in-flight';
import { toSubgraphRequestError } from './resilience/errors';
import { isQueryDocument } from './resilience/retry-policy';

export interface SubgraphDataSourceOptions {
  serviceName: string;
  url: string;
  principalSecret: Buffer;
  logger: Logger;
  fetcher?: Fetcher;
  /** Sends identical query fetches in flight once (same principal, document and variables). */
  deduplicate?: boolean;
  /** Called for every fetch that joins an identical one already in flight, for metrics. */
  onJoin?: () => void;
}

/**
 * Sends the gateway's fetches to one subgraph, each carrying the verified principal signed with the secret
 * the subgraphs share, and the request id, so a subgraph serves only what the gateway vouched for.
 */
export class SignedSubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly serviceName: string;
  private readonly principalSecret: Buffer;
  private readonly logger: Logger;
  private readonly fetches: InFlight<GatewayGraphQLResponse> | undefined;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: options.fetcher });
    this.serviceName = options.serviceName;
    this.principalSecret = options.principalSecret;
    this.logger = options.logger;
    this.fetches = options.deduplicate ? new InFlight(copyResponse, options.onJoin) : undefined;
  }

  /**
   * A query fetch joins an identical one in flight for the same principal (outbound deduplication). A
   * mutation is never shared, and no fetch that starts after a mutation started joins one from before it,
   * nor one from before it ended.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const principal = 'incomingRequestContext' in options ? options.context.principal : undefined;
    const { query, operationName, variables } = options.request;
    if (!this.fetches || !principal || !query) return super.process(options);
    if (!isQueryDocument(query)) return this.fetches.write(() => super.process(options));
    const key = JSON.stringify([query, operationName ?? null, variables ?? {}, principalKey(principal)]);
    return this.fetches.run(key, () => super.process(options));
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Only operations that clients sent carry a principal; health checks and schema loading do not.
    if (!('incomingRequestContext' in options)) return;
    const headers = options.request.http?.headers;
    if (!headers) return;
    headers.set(PRINCIPAL_HEADER, signPrincipal(options.context.principal, this.principalSecret));
    headers.set('x-request-id', options.context.requestId);
  }

  /**
   * The subgraph could not be reached or answered with an HTTP error. Apollo's error would hand the client
   * the subgraph's address and response; the client gets DOWNSTREAM_SERVICE_ERROR naming the subgraph, the
   * log the cause.
   */
  override didEncounterError(error: Error, _request: unknown, response?: { status: number }, context?: GatewayContext): void {
    this.logger.error(
      { err: error, serviceName: this.serviceName, status: response?.status, requestId: context?.requestId },
      response?.status === 401
        ? 'a subgraph refused the signed principal: do the gateway and the subgraph share PRINCIPAL_SECRET?'
        : 'a subgraph request failed',
    );
    throw toSubgraphRequestError(this.serviceName, error, response);
  }
}

/** The gateway merges entities into what a fetch returned, so each sharer gets its own copy of the body. */
function copyResponse({ http, ...body }: GatewayGraphQLResponse): GatewayGraphQLResponse {
  return { ...structuredClone(body), ...(http ? { http } : {}) };
}
