import { randomBytes } from 'node:crypto';
import type { ChangesLocation } from '../lib/change-events/nats';
import { EmbeddedDocumentDatabase } from '../subgraph-kit/documents';
import { listen } from '../lib/http-server';
import { createLogger } from '../lib/logger';
import type { SubgraphService } from '../subgraph-kit/define-subgraph';
import { createTestDatabase } from '../subgraph-kit/sql/test-database';
import { createAssetsService } from '../subgraphs/assets/src/server';
import { createIdentityService } from '../subgraphs/identity/src/server';
import { createIncidentsService } from '../subgraphs/incidents/src/server';

/** The subgraphs the benchmark runs. The gateway knows none of them by name; it federates what is composed. */
export type SubgraphName = 'identity' | 'assets' | 'incidents';

/** The three subgraphs, running in this process on 127.0.0.1, each counting its database round trips. */
export interface BenchSubgraphs {
  urls: Record<SubgraphName, string>;
  /** The secret they verify the principal header with; the gateways sign with it. */
  principalSecret: string;
  /** Where identity's data lives: a fresh database on the PostgreSQL server, or PGlite in memory. */
  identityStore: 'postgresql' | 'pglite';
  /** How long creating the services (migrations, demo data) took. */
  startupMs: number;
  /** Database round trips of all three subgraphs since they started. */
  roundTrips(): number;
  close(): Promise<void>;
}

/** Where the incidents subgraph publishes its changes: NATS JetStream, or (when not given) its own /changes stream. */
export interface BenchChanges {
  natsUrl: string;
  changes: ChangesLocation;
}

/**
 * Starts identity (on a fresh PostgreSQL database when DATABASE_URL is set, dropped again by close; PGlite
 * otherwise), assets and incidents (embedded document store), seeded with demo data at `scale`.
 */
export async function startSubgraphs(scale: number, nats?: BenchChanges): Promise<BenchSubgraphs> {
  const startedAt = Date.now();
  const principalSecret = randomBytes(32).toString('base64url');
  const secret = Buffer.from(principalSecret, 'utf8');
  // Silent unless asked: an overloaded subgraph logs every failure, and the table counts them anyway.
  const logLevel = process.env.LOG_LEVEL ?? 'silent';
  const sql = await createTestDatabase();
  const services: SubgraphService[] = [];
  const close = async () => {
    for (const service of services) await service.close();
    await sql.close();
  };
  try {
    // One after another: generating the demo data is synchronous work, so nothing is gained in parallel.
    services.push(await createIdentityService({ principalSecret: secret, logger: createLogger('identity', logLevel), demoDataScale: scale, database: sql.database }));
    services.push(await createAssetsService({ principalSecret: secret, logger: createLogger('assets', logLevel), demoDataScale: scale, database: new EmbeddedDocumentDatabase() }));
    services.push(await createIncidentsService({ principalSecret: secret, logger: createLogger('incidents', logLevel), demoDataScale: scale, database: new EmbeddedDocumentDatabase(), ...nats }));
    const urls = {} as Record<SubgraphName, string>;
    for (const service of services) {
      const address = await listen(service.httpServer, 0, '127.0.0.1');
      urls[service.name as SubgraphName] = `http://127.0.0.1:${address.port}/graphql`;
    }
    return {
      urls,
      principalSecret,
      identityStore: sql.url ? 'postgresql' : 'pglite',
      startupMs: Date.now() - startedAt,
      roundTrips: () => services.reduce((sum, service) => sum + service.stats.roundTrips, 0),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
