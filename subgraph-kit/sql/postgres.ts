import { DatabaseError, Pool, type PoolClient } from 'pg';
import { StoreUnavailableError } from '../store-errors';
import type { Logger } from '../../lib/logger';
import { observeRoundTrip, type StoreObserver, type StoreStats } from '../store-observer';
import type { SqlDatabase, SqlExecutor, SqlOperation, SqlParameter, TransactionOptions } from './database';
import { storeErrorOf } from './statement-errors';

export interface PostgresOptions {
  /** Where the failures of idle connections are reported. */
  logger?: Logger;
}

/** PostgreSQL through a `pg` connection pool. Connections are opened on first use, so constructing never fails. */
export class PostgresDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  readonly stats: StoreStats = { roundTrips: 0 };
  observe?: StoreObserver<SqlOperation>;
  private readonly pool: Pool;
  private closing: Promise<void> | undefined;

  constructor(url: string, options: PostgresOptions = {}) {
    // Pipeline mode: a client writes each query as it is given, without waiting for the answer to the one before
    // (transactionQuery relies on it); a caller that awaits each query, as transaction does, sees no difference.
    this.pool = new Pool({ connectionString: url, connectionTimeoutMillis: 5_000, pipeline: true });
    // Without a listener, an idle connection that the server drops would be an uncaught 'error' event and end the process.
    this.pool.on('error', (error) => options.logger?.warn({ err: error }, 'an idle PostgreSQL connection failed; the pool will open a new one'));
  }

  query<R extends object>(text: string, params: readonly SqlParameter[] = []): Promise<R[]> {
    this.stats.roundTrips += 1;
    return observeRoundTrip(this.observe, 'query', () => guard(async () => (await this.pool.query(text, params as unknown[])).rows as R[]));
  }

  async exec(script: string): Promise<void> {
    this.stats.roundTrips += 1;
    // Without parameters pg uses the simple query protocol, which accepts several statements in one message.
    await observeRoundTrip(this.observe, 'exec', () => guard(() => this.pool.query(script)));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return observeRoundTrip(this.observe, 'transaction', async () => {
      const client = await guard(() => this.pool.connect());
      const tx = new ClientExecutor(client, this);
      try {
        await tx.exec(options.setup ? `BEGIN; ${options.setup}` : 'BEGIN');
        const result = await fn(tx);
        await tx.exec('COMMIT');
        client.release();
        return result;
      } catch (error) {
        const rollbackFailure = await tx.exec('ROLLBACK').then(
          () => undefined,
          (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
        );
        // A connection that could not roll back is in an unknown state: the pool destroys it instead of reusing it.
        client.release(rollbackFailure);
        throw error;
      }
    });
  }

  transactionQuery<R extends object>(text: string, params: readonly SqlParameter[] = [], options: TransactionOptions = {}): Promise<R[]> {
    this.stats.roundTrips += 1;
    return observeRoundTrip(this.observe, 'query', async () => {
      const client = await guard(() => this.pool.connect());
      // All three are on the wire before any answer is read, so COMMIT reaches the server whatever becomes of the
      // statement, and PostgreSQL runs the COMMIT of a failed transaction as ROLLBACK: its SET LOCAL settings end
      // with it either way, before the client goes back to the pool.
      const [begun, statement, committed] = await Promise.allSettled([
        client.query(options.setup ? `BEGIN; ${options.setup}` : 'BEGIN'),
        client.query(text, params as unknown[]),
        client.query('COMMIT'),
      ]);
      if (begun.status === 'fulfilled' && statement.status === 'fulfilled' && committed.status === 'fulfilled') {
        client.release();
        return statement.value.rows as R[];
      }
      // Belt and braces, on the failure path only: a connection that cannot even roll back is destroyed, never reused.
      const rollback = await new ClientExecutor(client, this).exec('ROLLBACK').then(
        () => undefined,
        (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
      );
      client.release(rollback);
      const failure = [begun, statement, committed].find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      throw storeFailureOf(failure?.reason);
    });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

class ClientExecutor implements SqlExecutor {
  constructor(
    private readonly client: PoolClient,
    private readonly database: Pick<SqlDatabase, 'stats' | 'observe'>,
  ) {}

  query<R extends object>(text: string, params: readonly SqlParameter[] = []): Promise<R[]> {
    this.database.stats.roundTrips += 1;
    return observeRoundTrip(this.database.observe, 'query', () => guard(async () => (await this.client.query(text, params as unknown[])).rows as R[]));
  }

  async exec(script: string): Promise<void> {
    this.database.stats.roundTrips += 1;
    await observeRoundTrip(this.database.observe, 'exec', () => guard(() => this.client.query(script)));
  }
}

/**
 * An error the server reported is named by storeErrorOf; everything else (refused or dropped connections,
 * connection timeouts, a closed pool) is the store being unavailable.
 */
async function guard<R>(operation: () => Promise<R>): Promise<R> {
  try {
    return await operation();
  } catch (error) {
    throw storeFailureOf(error);
  }
}

function storeFailureOf(error: unknown): Error {
  if (error instanceof DatabaseError) return storeErrorOf(error);
  return new StoreUnavailableError('PostgreSQL did not answer', { cause: error });
}
