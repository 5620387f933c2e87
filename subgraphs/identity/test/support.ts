import { randomBytes } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { generateDemoData } from '../../../demo-data';
import { createLogger, type Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { createTestDatabase, type TestDatabase } from '../../../subgraph-kit/sql/test-database';
import { createIdentityService, type IdentityService } from '../src/server';

export const PRINCIPAL_SECRET = randomBytes(32);
export const silentLogger = createLogger('identity-test', 'silent');

/** Demo data at this scale: 60 acme users and 40 globex users, three groups each. */
export const TEST_SCALE = 0.1;
export const demo = generateDemoData({ scale: TEST_SCALE }).identity;

export function principalOf(tenant: string): Principal {
  return { sub: `tester@${tenant}`, tenant, kind: 'user', scopes: [] };
}

export interface IdentityFixture {
  service: IdentityService;
  testDatabase: TestDatabase;
  close(): Promise<void>;
}

/** The identity service over a fresh database of its own, seeded with the demo data at TEST_SCALE. */
export async function startIdentity(demoDataScale = TEST_SCALE, logger: Logger = silentLogger): Promise<IdentityFixture> {
  const testDatabase = await createTestDatabase();
  const service = await createIdentityService({ database: testDatabase.database, principalSecret: PRINCIPAL_SECRET, logger, demoDataScale });
  return {
    service,
    testDatabase,
    close: async () => {
      await service.close();
      await testDatabase.close();
    },
  };
}

/** A GraphQL result; tests read data by path and let their assertions check its shape. */
export interface Result<D = any> {
  data?: D | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Runs an operation as the subgraph would for a request of this tenant, with fresh per-request loaders. */
export async function execute<D = any>(service: IdentityService, tenant: string, query: string, variables?: Record<string, unknown>): Promise<Result<D>> {
  const principal = principalOf(tenant);
  const response = await service.apollo.executeOperation<D>(
    { query, variables },
    { contextValue: { principal, loaders: service.createLoaders(principal), requestId: 'test' } },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
}

export function usersOf(tenant: string) {
  return demo.users.filter((u) => u.tenant === tenant);
}
