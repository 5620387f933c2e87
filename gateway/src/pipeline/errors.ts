import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../../lib/errors';
import type { Logger } from '../../../lib/logger';

/** The HTTP facts of a refusal: its status and the headers that tell a client what to do (Retry-After, Allow). */
export interface HttpFacts {
  status: number;
  headers?: Readonly<Record<string, string>>;
}

/**
 * A request or one of its operations refused before it ran: a GraphQL error with a code a client branches on,
 * and the HTTP status and headers it is answered with. Every behaviour refuses with one of these.
 */
export function refusal(message: string, code: string, http: HttpFacts, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http } });
}

/** The HTTP facts a refusal carries, if it is one. */
export function httpFactsOf(error: unknown): HttpFacts | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const http = error.extensions.http as HttpFacts | undefined;
  return http && typeof http.status === 'number' ? http : undefined;
}

/** A request the client got wrong in its HTTP form (not JSON, a GET with a body): 400. */
export function badRequest(message: string): GraphQLError {
  return refusal(message, 'BAD_REQUEST', { status: 400 });
}

/** The code an error carries, INTERNAL_SERVER_ERROR when it carries none. */
export function codeOf(error: GraphQLError | GraphQLFormattedError): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}

/** graphql-js appends these to validation and coercion messages; in production they would map the schema. */
const SUGGESTION = / ?Did you mean(?: the enum value| to use an inline fragment on)? .+\?$/;

export interface ErrorFormatting {
  /** Production hides "Did you mean ...?" everywhere: suggestions map the schema for whoever cannot introspect it. */
  hideSuggestions: boolean;
  requestId: string;
  logger: Logger;
}

/**
 * What a client may see of an error. Stack traces never leave, whoever put them in (a subgraph of Apollo Server
 * 2 or 3 sends `exception.stacktrace`). An error without a code, or an INTERNAL_SERVER_ERROR, may hold
 * internals: the client gets a generic message with the request id to find the cause in the logs, and the log
 * gets the cause when the gateway raised it (a subgraph's error names its serviceName and was logged there).
 */
export function formatError(error: GraphQLError, formatting: ErrorFormatting): GraphQLFormattedError {
  const formatted = error.toJSON();
  const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = formatted.extensions ?? {};
  const code = codeOf(formatted);
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
    const serviceName = extensions.serviceName;
    if (serviceName === undefined) formatting.logger.error({ err: error.originalError ?? error, requestId: formatting.requestId }, 'internal error in the gateway');
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code, ...(serviceName === undefined ? {} : { serviceName }), requestId: formatting.requestId },
    };
  }
  const message = formatting.hideSuggestions ? formatted.message.replace(SUGGESTION, '') : formatted.message;
  return { ...formatted, message, extensions: { ...extensions, code } };
}
