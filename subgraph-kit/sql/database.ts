import type { StoreObserver, StoreStats } from '../store-observer';

/** A value bound to a `$n` placeholder. Arrays bind to PostgreSQL arrays (`= ANY($1::text[])`). */
export type SqlParameter = string | number | boolean | Date | null | readonly string[] | readonly number[];

export interface TransactionOptions {
  /** Statements without parameters sent with BEGIN in one round trip, e.g. `SET LOCAL ROLE ...`. */
  setup?: string;
}

/**
 * The kinds of operation a SQL database reports to its observer: each round trip is a `query` or an `exec`
 * (BEGIN and COMMIT included, as stats counts them; a transactionQuery is one `query`); a `transaction` is also
 * reported as a whole, from its start to its commit or rollback.
 */
export type SqlOperation = 'query' | 'exec' | 'transaction';

/** Sends statements: to the pool, or inside a transaction to that transaction's connection. */
export interface SqlExecutor {
  /** One statement with `$1`, `$2`... placeholders; resolves to its rows. */
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly SqlParameter[]): Promise<R[]>;
  /** A script of several statements without parameters, such as a migration file. */
  exec(script: string): Promise<void>;
}

/**
 * A PostgreSQL database: a server through `pg`, or PGlite in process. Both speak the same SQL. A failure to
 * reach the database rejects with StoreUnavailableError (lib/errors.ts), which subgraphs answer as
 * DATABASE_UNAVAILABLE; an error that PostgreSQL reports about a statement is rethrown as it is.
 */
export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Round trips since the database was opened: one per statement, BEGIN and COMMIT of a transaction included,
   * and one per transactionQuery; tests read it to prove batching.
   */
  readonly stats: StoreStats;
  /** Told about every statement and transaction; set by the service that owns the database (its metrics). */
  observe?: StoreObserver<SqlOperation>;
  /**
   * Runs fn inside BEGIN ... COMMIT on one connection. If fn or COMMIT fails, the transaction is rolled back and
   * the error rethrown. fn sends its statements through tx only: PGlite's one connection is held for it.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * One statement in a transaction of its own (BEGIN with options.setup, the statement, COMMIT) in one round
   * trip. Settings made with SET LOCAL in setup end with it, whether the statement succeeds or fails.
   */
  transactionQuery<R extends object = Record<string, unknown>>(text: string, params?: readonly SqlParameter[], options?: TransactionOptions): Promise<R[]>;
  /** Resolves when the database answers; rejects with StoreUnavailableError when it does not. */
  ping(): Promise<void>;
  /** Closes every connection. Safe to call twice. */
  close(): Promise<void>;
}
