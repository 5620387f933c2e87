import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServer } from '@apollo/server';
import { openDocumentDatabase, type DocumentDatabase } from '../../../lib/documents';
import { close as closeHttpServer, type Readiness } from '../../../lib/http-server';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import type { SubgraphService } from '../../../lib/service';
import { SubgraphMetrics } from '../../../lib/subgraph-metrics';
import { createSubgraphApollo, createSubgraphHttpServer, type SubgraphContext } from '../../../lib/subgraph-server';
import { INCIDENTS_COLLECTION, type IncidentDocument } from './data/incident-document';
import { prepareIncidentStore } from './data/incident-store';
import { createIncidentLoaders, type IncidentLoaders } from './data/loaders';
import { resolvers } from './resolvers';

export const SERVICE_NAME = 'incidents';
/** The database used when MONGODB_URL names none: this service shares no database with another. */
export const DEFAULT_DATABASE = 'palisade_incidents';

export interface IncidentsServiceOptions {
  principalSecret: Buffer;
  logger: Logger;
  /** Demo data seeded when the store is empty; 0 seeds nothing. */
  demoDataScale: number;
  /** An already opened store, which the service then owns and closes (tests inject one to read its stats). */
  database?: DocumentDatabase;
  /** Used when no database is given: MongoDB when set, the embedded document store otherwise. */
  mongodbUrl?: string;
}

export interface IncidentsService extends SubgraphService {
  /** For tests that run operations without HTTP (executeOperation with a context from createLoaders). */
  readonly apollo: ApolloServer<SubgraphContext<IncidentLoaders>>;
  createLoaders(principal: Principal): IncidentLoaders;
  /** What /metrics serves: database operation durations, loader batch sizes, requests. */
  readonly metrics: SubgraphMetrics;
}

/** Builds the incidents subgraph over its store: indexes, demo data, Apollo Server and the HTTP server. Never listens. */
export async function createIncidentsService(options: IncidentsServiceOptions): Promise<IncidentsService> {
  const database = options.database ?? (await openDocumentDatabase(options.mongodbUrl, DEFAULT_DATABASE));
  const metrics = new SubgraphMetrics(SERVICE_NAME);
  database.observe = metrics.observeDatabase;
  try {
    await prepareIncidentStore(database, options);
  } catch (error) {
    await database.close();
    throw error;
  }
  const collection = database.collection<IncidentDocument>(INCIDENTS_COLLECTION);
  const createLoaders = (principal: Principal) => createIncidentLoaders(collection, principal, metrics);
  const apollo = createSubgraphApollo({
    name: SERVICE_NAME,
    typeDefs: readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8'),
    resolvers,
    createLoaders,
    logger: options.logger,
    metrics,
  });
  await apollo.start();

  const readiness = async (): Promise<Readiness> => {
    try {
      await database.ping();
      return { ready: true, checks: { database: 'ok' } };
    } catch (error) {
      options.logger.warn({ err: error }, 'readiness: the incidents database does not answer');
      return { ready: false, checks: { database: 'unavailable' } };
    }
  };
  const httpServer = createSubgraphHttpServer({ apollo, createLoaders, principalSecret: options.principalSecret, readiness, logger: options.logger, metrics });

  let closing: Promise<void> | undefined;
  const close = async () => {
    await closeHttpServer(httpServer);
    await apollo.stop();
    await database.close();
  };
  return {
    name: SERVICE_NAME,
    httpServer,
    stats: database.stats,
    apollo,
    createLoaders,
    metrics,
    readiness,
    close: () => (closing ??= close()),
  };
}
