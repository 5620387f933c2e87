// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { startSubgraph } from '../../../subgraph-kit/main';
import { readAssetsConfig } from './config';
import { createAssetsService, SERVICE_NAME } from './server';

startSubgraph(SERVICE_NAME, readAssetsConfig, (config, logger) =>
  createAssetsService({ principalSecret: config.principalSecret, logger, demoDataScale: config.demoDataScale, mongodbUrl: config.mongodbUrl }),
);
