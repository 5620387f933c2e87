import type { SqlDatabase, SqlExecutor, SqlParameter } from './database';

/**
 * A database that must be prepared (migrated, seeded) before it serves queries. A service starts even when
 * the database is unreachable: queries then fail with StoreUnavailableError (DATABASE_UNAVAILABLE) instead of
 * the process exiting, and the preparation is tried again by the next query or readiness check until it succeeds.
 */
export class PreparedDatabase implements SqlExecutor {
  private prepared = false;
  private attempt: Promise<void> | undefined;

  constructor(
    readonly database: SqlDatabase,
    private readonly preparation: (database: SqlDatabase) => Promise<void>,
  ) {}

  /** Runs the preparation once it has not succeeded yet; callers at the same time share one attempt. */
  prepare(): Promise<void> {
    if (this.prepared) return Promise.resolve();
    this.attempt ??= this.preparation(this.database)
      .then(() => {
        this.prepared = true;
      })
      .finally(() => {
        this.attempt = undefined;
      });
    return this.attempt;
  }

  async query<R extends object = Record<string, unknown>>(text: string, params?: readonly SqlParameter[]): Promise<R[]> {
    await this.prepare();
    return this.database.query<R>(text, params);
  }

  async exec(script: string): Promise<void> {
    await this.prepare();
    await this.database.exec(script);
  }
}
