import type { DatabaseError } from 'pg';
import { QueryDeadlineExceededError, StoreRefusedValueError, StoreUnavailableError } from '../store-errors';

/** query_canceled: the statement ran past statement_timeout (the query deadline) and the server stopped it. */
const QUERY_CANCELED = '57014';

/** Data exception: the server refused a value as data (a NUL byte in text, a number out of range, a bad date). */
const DATA_EXCEPTION_CLASS = '22';

/**
 * SQLSTATE classes that mean the server cannot serve now rather than that a statement is wrong: connection
 * exception (08), invalid authorization (28), invalid catalog name (3D, the database does not exist),
 * insufficient resources (53), operator intervention such as a shutdown (57).
 */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '28', '3D', '53', '57'];

/**
 * What an error PostgreSQL reported (on a server or in PGlite) means to a subgraph: a deadline, a value the
 * client sent that it refused, the database being unavailable, or else an error of the statement itself, which
 * is the code's fault and passes on as it is.
 */
export function storeErrorOf(error: DatabaseError): Error {
  const code = String(error.code);
  if (code === QUERY_CANCELED) return new QueryDeadlineExceededError(error.message, { cause: error });
  if (code.startsWith(DATA_EXCEPTION_CLASS)) return new StoreRefusedValueError(error.message, { cause: error });
  if (UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return new StoreUnavailableError('PostgreSQL did not answer', { cause: error });
  return error;
}
