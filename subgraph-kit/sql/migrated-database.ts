import type { SqlDatabase, SqlExecutor, SqlParameter } from './database';

/**
 * A database that is migrated (and seeded with demo data) before it serves queries. A service starts even when
 * the database is unreachable: queries then fail with StoreUnavailableError (DATABASE_UNAVAILABLE) instead of
 * the process exiting, and the migration is tried again by the next query or readiness check until it succeeds.
 */
export class MigratedDatabase {
  private migrated = false;
  private attempt: Promise<void> | undefined;

  constructor(
    readonly database: SqlDatabase,
    private readonly migrate: (database: SqlDatabase) => Promise<void>,
    /** The most one statement of a request may take (statement_timeout); unset, statements have no deadline. */
    private readonly queryTimeoutMs?: number,
  ) {}

  /** Runs the migration unless it has succeeded already; callers at the same time share one attempt. */
  ready(): Promise<void> {
    if (this.migrated) return Promise.resolve();
    this.attempt ??= this.migrate(this.database)
      .then(() => {
        this.migrated = true;
      })
      .finally(() => {
        this.attempt = undefined;
      });
    return this.attempt;
  }

  /**
   * Statements for one request. Each runs in its own transaction, whose BEGIN carries `settings` (SET LOCAL
   * statements without parameters) and the statement deadline: one round trip per query
   * (SqlDatabase.transactionQuery); a script passed to exec takes three (BEGIN and settings, the script, COMMIT).
   */
  statements(settings: string): SqlExecutor {
    const setup = this.setupOf(settings);
    return {
      query: async <R extends object>(text: string, params?: readonly SqlParameter[]): Promise<R[]> => {
        await this.ready();
        return this.database.transactionQuery<R>(text, params, { setup });
      },
      exec: async (script: string): Promise<void> => {
        await this.ready();
        await this.database.transaction((tx) => tx.exec(script), { setup });
      },
    };
  }

  private setupOf(settings: string): string {
    return this.queryTimeoutMs === undefined ? settings : `SET LOCAL statement_timeout = ${this.queryTimeoutMs}; ${settings}`;
  }
}
