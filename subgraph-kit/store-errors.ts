/**
 * What a store (SQL or documents) raises besides the errors about a statement that are the code's own fault.
 * The subgraph server turns each into a GraphQL error with a code (subgraph-kit/format-error.ts).
 */

/** The store could not be reached or failed; answered DATABASE_UNAVAILABLE, and the request may succeed later. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A query ran past its deadline (QUERY_TIMEOUT_MS) and was stopped; answered DEADLINE_EXCEEDED. */
export class QueryDeadlineExceededError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueryDeadlineExceededError';
  }
}

/**
 * The store refused a value that a request sent as data (PostgreSQL's SQLSTATE class 22, data exception: a NUL
 * byte in text, a number out of range; MongoDB's BadValue or a document too large). The client's error, answered
 * BAD_USER_INPUT; `message` is the store's own description of the value, which names no host or statement.
 */
export class StoreRefusedValueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreRefusedValueError';
  }
}
