import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../lib/errors';

/** Why a call to a subgraph failed; kept on the error for logs and metrics, the client sees the message and the code. */
export type SubgraphFailure = 'timeout' | 'unreachable' | 'circuit_open' | 'http_error' | 'bad_response';

/**
 * A call to a subgraph failed. It is a GraphQLError carrying DOWNSTREAM_SERVICE_ERROR and the subgraph's name
 * because @apollo/gateway hands an error thrown while fetching to the client as it is; the cause (an address,
 * a response body) stays here for the log.
 */
export class SubgraphRequestError extends GraphQLError {
  /** The HTTP status, when the subgraph answered with an error status. */
  readonly status: number | undefined;
  /** Attempts made, retries included. */
  readonly attempts: number;

  constructor(
    readonly subgraph: string,
    readonly failure: SubgraphFailure,
    message: string,
    options: { status?: number; attempts?: number; cause?: unknown } = {},
  ) {
    super(message, { extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: subgraph } });
    this.name = 'SubgraphRequestError';
    // Kept whatever it is: undici's errors may come from another realm (a test runner's), where instanceof Error fails.
    this.cause = options.cause;
    this.status = options.status;
    this.attempts = options.attempts ?? 1;
  }
}

/**
 * The system or undici code of a failed request. undici puts it on the error or on its cause; a connection
 * tried on several addresses fails with an AggregateError whose errors hold it.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (cause !== undefined) return errorCode(cause);
  if (Array.isArray(errors)) return errorCode(errors[0]);
  return undefined;
}
