import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { Logger } from '../../lib/logger';
import { PRINCIPAL_HEADER, signPrincipal } from '../../lib/principal';
import type { GatewayContext } from './context';
import { toSubgraphRequestError } from './resilience/errors';

/**
 * Sends the gateway's fetches to one subgraph, each carrying the verified principal signed with the secret
 * the subgraphs share, and the request id, so a subgraph serves only what the gateway vouched for.
 */
export class SignedSubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly serviceName: string,
    url: string,
    private readonly principalSecret: Buffer,
    private readonly logger: Logger,
    fetcher?: Fetcher,
  ) {
    super({ url, fetcher });
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
