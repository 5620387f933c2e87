import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../lib/errors';

/** Why a call to a subgraph failed; kept on the error for logs, the client sees the message and the code. */
export type SubgraphFailure = 'timeout' | 'unreachable' | 'circuit_open' | 'http_error' | 'bad_response';

/**
 * A call to a subgraph failed. It is a GraphQLError carrying DOWNSTREAM_SERVICE_ERROR and the subgraph's name
 * because @apollo/gateway hands an error thrown while fetching to the client as it is: its own errors for a
 * failed fetch carry no code, the subgraph's address and the response body. The cause stays here for the log.
 */
export class SubgraphRequestError extends GraphQLError {
  constructor(
    readonly subgraph: string,
    readonly failure: SubgraphFailure,
    message: string,
    readonly attempts: number,
    cause?: unknown,
  ) {
    super(message, {
      originalError: cause instanceof Error ? cause : undefined,
      extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: subgraph },
    });
    this.name = 'SubgraphRequestError';
  }
}

/**
 * The error to throw from RemoteGraphQLDataSource.didEncounterError: the fetcher's own errors as they are, an
 * HTTP error status (which the data source turns into an error without a code) or a body that is not a GraphQL
 * response as DOWNSTREAM_SERVICE_ERROR naming the subgraph.
 */
export function toSubgraphRequestError(subgraph: string, error: unknown, response?: { status: number }): SubgraphRequestError {
  if (error instanceof SubgraphRequestError) return error;
  if (response && response.status >= 400) {
    return new SubgraphRequestError(subgraph, 'http_error', `Subgraph "${subgraph}" answered HTTP ${response.status}`, 1, error);
  }
  if (response) {
    return new SubgraphRequestError(subgraph, 'bad_response', `Subgraph "${subgraph}" answered with a body that is not a GraphQL response`, 1, error);
  }
  return new SubgraphRequestError(subgraph, 'unreachable', `Request to subgraph "${subgraph}" failed`, 1, error);
}
