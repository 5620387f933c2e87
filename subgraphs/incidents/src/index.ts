// First: tracing (when OTEL_* ask for it) must be set up before the modules below are loaded.
import './start-tracing';
import { startSubgraph } from '../../../subgraph-kit/main';
import { readIncidentsConfig } from './config';
import { createIncidentsService, SERVICE_NAME } from './server';

startSubgraph(SERVICE_NAME, readIncidentsConfig, (config, logger) =>
  createIncidentsService({ principalSecret: config.principalSecret, logger, demoDataScale: config.demoDataScale, mongodbUrl: config.mongodbUrl }),
);
