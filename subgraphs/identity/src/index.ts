// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { startSubgraph } from '../../../subgraph-kit/main';
import { readIdentityConfig } from './config';
import { createIdentityService, SERVICE_NAME } from './server';

startSubgraph(SERVICE_NAME, readIdentityConfig, (config, logger) =>
  createIdentityService({ principalSecret: config.principalSecret, logger, demoDataScale: config.demoDataScale, databaseUrl: config.databaseUrl }),
);
