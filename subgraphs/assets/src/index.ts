// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { ConfigError } from '../../../lib/errors';
import { createLogger } from '../../../lib/logger';
import { runService } from '../../../lib/service';
import { readAssetsConfig } from './config';
import { createAssetsService, SERVICE_NAME } from './server';

async function main(): Promise<void> {
  const config = readAssetsConfig(process.env);
  const logger = createLogger(SERVICE_NAME, config.logLevel);
  const service = await createAssetsService({
    principalSecret: config.principalSecret,
    logger,
    demoDataScale: config.demoDataScale,
    mongodbUrl: config.mongodbUrl,
  });
  await runService(service, config.port, config.host, logger);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`${SERVICE_NAME}: configuration error: ${error.message}`);
  else console.error(`${SERVICE_NAME}: failed to start`, error);
  process.exit(1);
});
