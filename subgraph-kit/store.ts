import type { Environment } from '../lib/config';
import type { Readiness } from '../lib/http-server';
import type { Logger } from '../lib/logger';
import type { StoreObserver, StoreStats } from './store-observer';

/**
 * A kind of store a subgraph keeps its data in (documents: MongoDB or the embedded store; SQL: PostgreSQL or
 * PGlite): how its URL is read at start, and how it is opened, set up (indexes or migrations, demo data) and
 * watched. `TStore` is what the subgraph's loaders are created over; `TDatabase` what a test may hand in.
 */
export interface StoreKind<TStore, TDatabase> {
  /** Reads the variable that names the database; undefined selects the embedded default outside production. */
  readUrl(env: Environment, service: string): string | undefined;
  open(settings: StoreSettings<TDatabase>): Promise<OpenedStore<TStore>>;
}

export interface StoreSettings<TDatabase> {
  service: string;
  url: string | undefined;
  /** An already opened database, which the service then owns and closes (tests hand one in to read its stats). */
  database: TDatabase | undefined;
  logger: Logger;
  observe: StoreObserver<string>;
  /** The most one query may take. */
  queryTimeoutMs: number;
  /** Demo data seeded into an empty store; 0 seeds nothing. */
  demoDataScale: number;
}

export interface OpenedStore<TStore> {
  store: TStore;
  stats: StoreStats;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

/** Readiness of a subgraph whose only dependency is its store: ready while the store answers a ping. */
export function pingReadiness(service: string, ping: () => Promise<void>, logger: Logger): () => Promise<Readiness> {
  return async () => {
    try {
      await ping();
      return { ready: true, checks: { database: 'ok' } };
    } catch (error) {
      logger.warn({ err: error }, `readiness: the ${service} database does not answer`);
      return { ready: false, checks: { database: 'unavailable' } };
    }
  };
}
