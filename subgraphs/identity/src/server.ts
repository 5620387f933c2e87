import { join } from 'node:path';
import { StoreUnavailableError } from '../../../lib/errors';
import type { Readiness } from '../../../lib/http-server';
import type { SubgraphServiceOptions } from '../../../lib/service';
import { openSqlDatabase, PreparedDatabase, type SqlDatabase } from '../../../subgraph-kit/sql';
import { SubgraphMetrics } from '../../../subgraph-kit/metrics';
import { assembleSubgraph, type AssembledSubgraph } from '../../../subgraph-kit/server';
import { identityLoaderFactory, type IdentityLoaders } from './data/loaders';
import { prepareIdentityDatabase } from './data/prepare';
import { identityResolvers } from './resolvers';

export const SERVICE_NAME = 'identity';

export interface IdentityServiceOptions extends SubgraphServiceOptions {
  /** An already opened database, which the service then owns and closes (tests inject one to read its stats). */
  database?: SqlDatabase;
  /** Used when no database is given: PostgreSQL when set, PGlite in memory otherwise. */
  databaseUrl?: string;
}

export type IdentityService = AssembledSubgraph<IdentityLoaders>;

/**
 * Builds the identity subgraph over PostgreSQL: migrations, demo data, Apollo Server and the HTTP server.
 * Never listens. When PostgreSQL cannot be reached, the service still starts: it answers DATABASE_UNAVAILABLE
 * and /readyz 503, and migrates on the first query or readiness check that finds the database back.
 */
export async function createIdentityService(options: IdentityServiceOptions): Promise<IdentityService> {
  const { logger } = options;
  const database = options.database ?? (await openSqlDatabase(options.databaseUrl, { logger }));
  const metrics = new SubgraphMetrics(SERVICE_NAME);
  database.observe = metrics.observeDatabase;
  const store = new PreparedDatabase(database, (db) => prepareIdentityDatabase(db, options.demoDataScale, logger));
  try {
    await store.prepare();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) {
      await database.close();
      throw error;
    }
    logger.error({ err: error }, 'the identity database is unavailable; serving DATABASE_UNAVAILABLE until it answers');
  }

  const readiness = async (): Promise<Readiness> => {
    try {
      await store.prepare();
      await database.ping();
      return { ready: true, checks: { database: 'ok' } };
    } catch (error) {
      logger.warn({ err: error }, 'readiness: the identity database is not ready');
      return { ready: false, checks: { database: error instanceof StoreUnavailableError ? 'unavailable' : 'migration failed' } };
    }
  };
  return assembleSubgraph({
    name: SERVICE_NAME,
    schemaPath: join(__dirname, '..', 'schema.graphql'),
    resolvers: identityResolvers,
    createLoaders: identityLoaderFactory(store, metrics),
    principalSecret: options.principalSecret,
    logger,
    metrics,
    stats: database.stats,
    readiness,
    closeStore: () => database.close(),
  });
}
