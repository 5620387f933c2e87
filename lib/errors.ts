import { GraphQLError } from 'graphql';

/**
 * The catalogue of error codes Palisade returns. Every rejection a client can see carries one of these
 * in `extensions.code`, so scripts can branch on it without parsing messages.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  /** The store behind a subgraph could not be reached or failed; the request may succeed later. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** Something the gateway needs to decide (the identity provider's signing keys) did not answer; retry later. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** A subgraph did not answer, answered with an HTTP error, or its circuit is open; `serviceName` names it. */
  DOWNSTREAM_SERVICE_ERROR: 'DOWNSTREAM_SERVICE_ERROR',
  /** A write lost a race: what it was based on changed before it landed, and nothing was written. */
  CONFLICT: 'CONFLICT',
  /** A subgraph stopped a query at its deadline (QUERY_TIMEOUT_MS); a narrower request may succeed. */
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A client sent an argument that cannot be served; names the argument so a person can fix it. */
export function badUserInput(argumentName: string, message: string): GraphQLError {
  return new GraphQLError(`${message} (argument "${argumentName}")`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName },
  });
}

/** The state a write was decided on changed before it landed; the caller should reload and decide again. */
export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.CONFLICT } });
}

/** The subgraph's database failed. The cause is logged, never sent: it can hold hostnames or SQL. */
export function databaseUnavailable(serviceName: string, cause?: unknown): GraphQLError {
  return new GraphQLError(`The ${serviceName} database is unavailable; try again later`, {
    originalError: cause instanceof Error ? cause : undefined,
    extensions: { code: ErrorCode.DATABASE_UNAVAILABLE, serviceName },
  });
}

/** A subgraph stopped one query at its deadline; the other fields of the request were still served. */
export function deadlineExceeded(serviceName: string, timeoutMs: number): GraphQLError {
  return new GraphQLError(
    `The ${serviceName} subgraph stopped this query at its deadline of ${timeoutMs} ms; narrow the filter or ask for fewer items, then try again`,
    { extensions: { code: ErrorCode.DEADLINE_EXCEEDED, serviceName, timeoutMs } },
  );
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/** A configuration value that the process cannot start with. Thrown at start, before listening. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}
