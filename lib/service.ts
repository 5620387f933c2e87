import type { Logger } from './logger';
import { shutdownTracing } from './tracing';

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
