import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DatabaseError } from 'pg';
import { StoreUnavailableError } from '../store-errors';
import { observeRoundTrip, type StoreObserver, type StoreStats } from '../store-observer';
import type { SqlDatabase, SqlExecutor, SqlOperation, SqlParameter, TransactionOptions } from './database';
import { storeErrorOf } from './statement-errors';

interface WorkerAnswer {
  id: number;
  rows?: object[];
  error?: { message: string; code?: string; [field: string]: unknown };
}

interface Pending {
  resolve: (rows: object[]) => void;
  reject: (error: unknown) => void;
}

/**
 * PostgreSQL compiled to WebAssembly: the embedded default when no DATABASE_URL is configured. It runs on a
 * worker thread (lib/sql/pglite-worker.cjs), for two reasons: its WebAssembly runs synchronously and would
 * stall the HTTP server's event loop for the length of every statement; and its CommonJS build loads Node
 * built-ins with dynamic import(), which Jest's module sandbox refuses, while a worker is loaded by Node itself.
 *
 * PGlite has one connection. A transaction holds it: other statements wait until it ends. The database is
 * in memory, empty when opened, gone when closed; opening takes several seconds.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  readonly stats: StoreStats = { roundTrips: 0 };
  observe?: StoreObserver<SqlOperation>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The end of the queue of statements and transactions; each one starts when the one before it has ended. */
  private tail: Promise<unknown> = Promise.resolve();
  private stopped: StoreUnavailableError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (answer: WorkerAnswer) => this.settle(answer));
    worker.on('error', (error) => this.stop(new StoreUnavailableError('the embedded PostgreSQL (PGlite) failed', { cause: error })));
    worker.on('exit', () => this.stop(new StoreUnavailableError('the embedded PostgreSQL (PGlite) is closed')));
  }

  /** Opens an empty database in memory. */
  static async open(): Promise<PgliteDatabase> {
    const worker = new Worker(join(__dirname, 'pglite-worker.cjs'));
    try {
      await startOf(worker);
    } catch (error) {
      await worker.terminate();
      throw new StoreUnavailableError('the embedded PostgreSQL (PGlite) did not start', { cause: error });
    }
    return new PgliteDatabase(worker);
  }

  query<R extends object>(text: string, params: readonly SqlParameter[] = []): Promise<R[]> {
    return this.inTurn(() => this.send('query', text, params)) as Promise<R[]>;
  }

  async exec(script: string): Promise<void> {
    await this.inTurn(() => this.send('exec', script));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.inTurn(() =>
      observeRoundTrip(this.observe, 'transaction', async () => {
        try {
          await this.send('exec', options.setup ? `BEGIN; ${options.setup}` : 'BEGIN');
          const result = await fn(new TransactionExecutor(this));
          await this.send('exec', 'COMMIT');
          return result;
        } catch (error) {
          await this.send('exec', 'ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  transactionQuery<R extends object>(text: string, params: readonly SqlParameter[] = [], options: TransactionOptions = {}): Promise<R[]> {
    return this.inTurn(() => this.send('transactionQuery', text, params, options.setup)) as Promise<R[]>;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /** Ends the worker thread. The database lives in its memory, so there is nothing to flush; a statement still waiting fails with StoreUnavailableError. */
  close(): Promise<void> {
    this.closing ??= this.worker.terminate().then(() => undefined);
    return this.closing;
  }

  /**
   * Sends one statement now, without waiting for its turn: only for statements inside the transaction that holds
   * the turn. The observer is told how long the worker took to answer, not how long the statement waited for its turn.
   */
  send(operation: 'query' | 'exec' | 'transactionQuery', text: string, params?: readonly SqlParameter[], setup?: string): Promise<object[]> {
    if (this.stopped) return Promise.reject(this.stopped);
    this.stats.roundTrips += 1;
    const id = this.nextId++;
    return observeRoundTrip(
      this.observe,
      operation === 'transactionQuery' ? 'query' : operation,
      () =>
        new Promise<object[]>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          this.worker.postMessage({ id, operation, text, params, setup });
        }),
    );
  }

  private inTurn<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing || this.stopped) return Promise.reject(this.stopped ?? new StoreUnavailableError('the embedded PostgreSQL (PGlite) is closed'));
    const result = this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private settle(answer: WorkerAnswer): void {
    const pending = this.pending.get(answer.id);
    if (!pending) return;
    this.pending.delete(answer.id);
    if (answer.error) pending.reject(statementError(answer.error));
    else pending.resolve(answer.rows ?? []);
  }

  private stop(reason: StoreUnavailableError): void {
    this.stopped ??= reason;
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
  }
}

/** Resolves when the worker says PGlite is ready; rejects when it reports a failure, fails or exits first. */
function startOf(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      worker.off('error', onError).off('exit', onExit).off('message', onMessage);
      if (error) reject(error);
      else resolve();
    };
    const onError = (error: Error) => settle(error);
    const onExit = (code: number) => settle(new Error(`the worker exited with code ${code}`));
    const onMessage = (message: { ready?: true; failed?: { message: string } }) => settle(message.ready ? undefined : new Error(message.failed?.message));
    worker.on('error', onError).on('exit', onExit).on('message', onMessage);
  });
}

class TransactionExecutor implements SqlExecutor {
  constructor(private readonly database: PgliteDatabase) {}

  query<R extends object>(text: string, params: readonly SqlParameter[] = []): Promise<R[]> {
    return this.database.send('query', text, params) as Promise<R[]>;
  }

  async exec(script: string): Promise<void> {
    await this.database.send('exec', script);
  }
}

/** An error that PostgreSQL reported is named as on a server (storeErrorOf), so callers handle both databases' errors alike. */
function statementError(described: NonNullable<WorkerAnswer['error']>): Error {
  if (described.code === undefined) return new Error(described.message);
  return storeErrorOf(Object.assign(new DatabaseError(described.message, 0, 'error'), described));
}
