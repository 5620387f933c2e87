import type { Server } from 'node:http';
import type { Readiness } from './http-server';
import type { Logger } from './logger';
import type { StoreStats } from '../subgraph-kit/documents/store';
import { shutdownTracing } from './tracing';

/** What every subgraph service is built with, besides its store. */
export interface SubgraphServiceOptions {
  /** The secret the gateway signs the principal header with; requests without a valid signature get 401. */
  principalSecret: Buffer;
  logger: Logger;
  /** Demo data seeded when the store is empty; 0 seeds nothing. */
  demoDataScale: number;
}

/**
 * A running subgraph: built by its server.ts (which never listens) and bound to a port by its index.ts
 * or by a test (port 0).
 */
export interface SubgraphService {
  readonly name: string;
  readonly httpServer: Server;
  /** Round trips to the service's database; tests read it to prove batching. */
  readonly stats: StoreStats;
  readiness(): Promise<Readiness>;
  /** Stops the HTTP server and closes the store. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * On the first SIGINT or SIGTERM: close (requests in flight finish), export the last spans, exit 0; exit 1
 * when closing fails. Later signals are ignored while the first one is handled.
 */
export function stopOnSignals(what: string, close: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${what} stopping`);
    close()
      .then(() => shutdownTracing(logger))
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

