// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { ConfigError } from '../../lib/errors';
import { listen } from '../../lib/http-server';
import { createLogger } from '../../lib/logger';
import { shutdownTracing } from '../../lib/tracing';
import { readGatewayConfig } from './config';
import { createGateway } from './server';

async function main(): Promise<void> {
  const config = readGatewayConfig(process.env);
  const logger = createLogger('gateway', config.logLevel);
  const gateway = await createGateway(config, logger);
  const address = await listen(gateway.httpServer, config.port, config.host);
  logger.info({ url: `http://${config.host}:${address.port}/graphql` }, 'gateway listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    gateway
      .close()
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

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`gateway: configuration error: ${error.message}`);
  } else {
    console.error('gateway: failed to start', error);
  }
  process.exit(1);
});
