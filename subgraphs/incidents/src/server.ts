import { join } from 'node:path';
import { openPreparedDocumentDatabase, type DocumentStoreOptions } from '../../../subgraph-kit/documents';
import type { Principal } from '../../../lib/principal';
import type { SubgraphServiceOptions } from '../../../lib/service';
import { SubgraphMetrics } from '../../../subgraph-kit/metrics';
import { assembleSubgraph, storeReadiness, type AssembledSubgraph } from '../../../subgraph-kit/server';
import { INCIDENTS_COLLECTION, type IncidentDocument } from './data/incident-document';
import { prepareIncidentStore } from './data/incident-store';
import { createIncidentLoaders, type IncidentLoaders } from './data/loaders';
import { resolvers } from './resolvers';

export const SERVICE_NAME = 'incidents';
/** The database used when MONGODB_URL names none: this service shares no database with another. */
export const DEFAULT_DATABASE = 'palisade_incidents';

export type IncidentsServiceOptions = SubgraphServiceOptions & DocumentStoreOptions;

export type IncidentsService = AssembledSubgraph<IncidentLoaders>;

/** Builds the incidents subgraph over its store: indexes, demo data, Apollo Server and the HTTP server. Never listens. */
export async function createIncidentsService(options: IncidentsServiceOptions): Promise<IncidentsService> {
  const metrics = new SubgraphMetrics(SERVICE_NAME);
  const database = await openPreparedDocumentDatabase(options, DEFAULT_DATABASE, metrics.observeDatabase, (db) => prepareIncidentStore(db, options));
  const collection = database.collection<IncidentDocument>(INCIDENTS_COLLECTION);
  return assembleSubgraph({
    name: SERVICE_NAME,
    schemaPath: join(__dirname, '..', 'schema.graphql'),
    resolvers,
    createLoaders: (principal: Principal) => createIncidentLoaders(collection, principal, metrics),
    principalSecret: options.principalSecret,
    logger: options.logger,
    metrics,
    stats: database.stats,
    readiness: storeReadiness(SERVICE_NAME, () => database.ping(), options.logger),
    closeStore: () => database.close(),
  });
}
