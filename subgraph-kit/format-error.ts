import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { databaseUnavailable, deadlineExceeded, ErrorCode } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { QueryDeadlineExceededError, StoreRefusedValueError, StoreUnavailableError } from './store-errors';

export interface ErrorFormatting {
  /** The service name, as error extensions name it. */
  name: string;
  logger: Logger;
  queryTimeoutMs: number;
}

/**
 * What a client sees of an error, and what the log keeps. Stack traces never leave the subgraph; a store's
 * failure becomes DATABASE_UNAVAILABLE (logged as an error), a query stopped at its deadline DEADLINE_EXCEEDED
 * (a warning: the subgraph did its job), a value the store refused as data BAD_USER_INPUT (the client's
 * error, logged at debug only), and anything without a code an internal error with only the service's name.
 */
export function formatSubgraphError({ name, logger, queryTimeoutMs }: ErrorFormatting, formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const at = { locations: formatted.locations, path: formatted.path };
  if (original instanceof StoreUnavailableError) {
    logger.error({ err: original }, 'database unavailable');
    const replacement = databaseUnavailable(name);
    return { message: replacement.message, ...at, extensions: { ...replacement.extensions } };
  }
  if (original instanceof QueryDeadlineExceededError) {
    logger.warn({ path: formatted.path, queryTimeoutMs, reason: original.message }, 'a query was stopped at its deadline');
    const replacement = deadlineExceeded(name, queryTimeoutMs);
    return { message: replacement.message, ...at, extensions: { ...replacement.extensions } };
  }
  if (original instanceof StoreRefusedValueError) {
    logger.debug({ path: formatted.path, reason: original.message }, 'the database refused a value of the request');
    const field = formatted.path?.filter((segment) => typeof segment === 'string').at(-1);
    return {
      message: `The database refused a value passed to ${field ? `"${field}"` : 'this field'} (${original.message}); check that field's arguments`,
      ...at,
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    };
  }
  const code = formatted.extensions?.code;
  if (code === ErrorCode.INTERNAL_SERVER_ERROR || code === undefined) {
    logger.error({ err: original }, 'internal error in a resolver');
    return { message: 'Internal server error', ...at, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, serviceName: name } };
  }
  return formatted;
}
