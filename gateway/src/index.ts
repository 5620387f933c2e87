// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { ConfigError } from '../../lib/errors';
import { listenOn } from '../../lib/http-server';
import { createLogger } from '../../lib/logger';
import { stopOnSignals } from '../../lib/service';
import { readGatewayConfig } from './config';
import { createGateway } from './server';

async function main(): Promise<void> {
  const config = readGatewayConfig(process.env);
  const logger = createLogger('gateway', config.logLevel);
  const gateway = await createGateway(config, logger);
  const address = await listenOn(gateway.httpServer, config.port, config.host, 'PORT');
  const metricsAddress = await listenOn(gateway.metricsServer, config.metricsPort, config.metricsHost, 'METRICS_PORT');
  logger.info({ url: `http://${config.host}:${address.port}/graphql`, metrics: `http://${config.metricsHost}:${metricsAddress.port}/metrics` }, 'gateway listening');

  stopOnSignals('gateway', () => gateway.close(), logger);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`gateway: configuration error: ${error.message}`);
  } else {
    console.error('gateway: failed to start', error);
  }
  process.exit(1);
});
