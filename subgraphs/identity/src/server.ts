import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServer } from '@apollo/server';
import { StoreUnavailableError } from '../../../lib/errors';
import { close as closeHttpServer, type Readiness } from '../../../lib/http-server';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import type { SubgraphService } from '../../../lib/service';
import { openSqlDatabase, PreparedDatabase, type SqlDatabase } from '../../../lib/sql';
import { SubgraphMetrics } from '../../../lib/subgraph-metrics';
import { createSubgraphApollo, createSubgraphHttpServer, type SubgraphContext } from '../../../lib/subgraph-server';
import { identityLoaderFactory, type IdentityLoaders } from './data/loaders';
import { prepareIdentityDatabase } from './data/prepare';
import { identityResolvers } from './resolvers';

export const SERVICE_NAME = 'identity';

export interface IdentityServiceOptions {
  principalSecret: Buffer;
  logger: Logger;
  /** Demo data seeded when the users table is empty; 0 seeds nothing. */
  demoDataScale: number;
  /** An already opened database, which the service then owns and closes (tests inject one to read its stats). */
  database?: SqlDatabase;
  /** Used when no database is given: PostgreSQL when set, PGlite in memory otherwise. */
  databaseUrl?: string;
}

export interface IdentityService extends SubgraphService {
  /** For tests that run operations without HTTP (executeOperation with a context from createLoaders). */
  readonly apollo: ApolloServer<SubgraphContext<IdentityLoaders>>;
  createLoaders(principal: Principal): IdentityLoaders;
  /** What /metrics serves: database statement durations, loader batch sizes, requests. */
  readonly metrics: SubgraphMetrics;
}

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

  const createLoaders = identityLoaderFactory(store, metrics);
  const apollo = createSubgraphApollo({
    name: SERVICE_NAME,
    typeDefs: readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8'),
    resolvers: identityResolvers,
    createLoaders,
    logger,
    metrics,
  });
  await apollo.start();

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
  const httpServer = createSubgraphHttpServer({ apollo, createLoaders, principalSecret: options.principalSecret, readiness, logger, metrics });

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
