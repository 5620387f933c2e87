// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { ConfigError } from '../../lib/errors';
import { listenOn } from '../../lib/http-server';
import { createLogger } from '../../lib/logger';
import { stopOnSignals } from '../../lib/service';
import { readIngestConfig } from './config';
import { createIngestService, EVENTS_PATH } from './server';

async function main(): Promise<void> {
  const config = readIngestConfig(process.env);
  const logger = createLogger('ingest', config.logLevel);
  const service = await createIngestService(config, logger);
  const address = await listenOn(service.httpServer, config.port, config.host, 'PORT');
  const metricsAddress = await listenOn(service.metricsServer, config.metricsPort, config.metricsHost, 'METRICS_PORT');
  logger.info(
    { url: `http://${config.host}:${address.port}${EVENTS_PATH}`, metrics: `http://${config.metricsHost}:${metricsAddress.port}/metrics`, delivery: config.delivery.kind },
    'ingest listening',
  );
  stopOnSignals('ingest', () => service.close(), logger);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`ingest: configuration error: ${error.message}`);
  else console.error('ingest: failed to start', error);
  process.exit(1);
});
