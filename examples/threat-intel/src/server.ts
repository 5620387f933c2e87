import { join } from 'node:path';
import { defineSubgraph } from '../../../subgraph-kit/define-subgraph';
import { documentStore } from '../../../subgraph-kit/documents';
import { INDICATORS, INDICATORS_COLLECTION, type IndicatorDocument } from './indicator-store';
import { createIndicatorLoaders } from './loaders';
import { resolvers } from './resolvers';

/**
 * Threat intelligence: indicators of compromise and the devices they were seen on. An example of a subgraph a
 * team composes in (README, "Adding a subgraph"): its schema, its resolvers, its store and these lines.
 */
export const threatIntelSubgraph = defineSubgraph({
  name: 'threat-intel',
  port: 4005,
  metricsPort: 9405,
  schemaPath: join(__dirname, '..', 'schema.graphql'),
  resolvers,
  store: documentStore({ defaultDatabase: 'palisade_threat_intel', collections: [INDICATORS] }),
  createLoaders: (database, principal, metrics) => createIndicatorLoaders(database.collection<IndicatorDocument>(INDICATORS_COLLECTION), principal, metrics),
});
