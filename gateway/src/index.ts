// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { ConfigError } from '../../lib/errors';
import { listen } from '../../lib/http-server';
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

/** Binds a listener; a port already taken is a configuration error naming the variable that moves it. */
async function listenOn(server: Parameters<typeof listen>[0], port: number, host: string, variable: string) {
  try {
    return await listen(server, port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ConfigError(variable, `port ${port} is already in use on ${host}; stop what listens there, or set ${variable} to another port`);
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`gateway: configuration error: ${error.message}`);
  } else {
    console.error('gateway: failed to start', error);
  }
  process.exit(1);
});
