import { randomBytes } from 'node:crypto';
import { demoAssetDocuments } from '../src/data/demo-assets';
import { EmbeddedDocumentDatabase } from '../../../subgraph-kit/documents';
import { createLogger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import type { AssetDocument } from '../src/data/asset-document';
import { createAssetsService, type AssetsService } from '../src/server';

/** 0.1 gives acme 300 assets and 60 users, globex 200 and 40: enough for batches of 50. */
export const DEMO_SCALE = 0.1;

export const logger = createLogger('assets-test', 'silent');

export function principalOf(tenant: string, sub = `usr-${tenant}-00001`): Principal {
  return { sub, tenant, kind: 'user', scopes: ['assets:read'] };
}
export const ACME = principalOf('acme');
export const GLOBEX = principalOf('globex');

/** The same deterministic demo data the service seeds, read independently as the expected answers. */
export function demoAssets(tenant: string): AssetDocument[] {
  return demoAssetDocuments(DEMO_SCALE).filter((asset) => asset.tenant === tenant);
}

/** Byte order, as MongoDB sorts strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedByNameThenUid(assets: AssetDocument[]): AssetDocument[] {
  return [...assets].sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.uid, b.uid));
}

export interface TestService {
  service: AssetsService;
  database: EmbeddedDocumentDatabase;
  secret: Buffer;
}

/** The assets service over an embedded store seeded with the demo data; close it with service.close(). */
export async function startAssetsService(): Promise<TestService> {
  const database = new EmbeddedDocumentDatabase();
  const secret = randomBytes(32);
  const service = await createAssetsService({ principalSecret: secret, logger, demoDataScale: DEMO_SCALE, database });
  return { service, database, secret };
}

export interface OperationResult {
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, any> }>;
}

/** Runs one operation as the principal would through the gateway, with this request's own loaders. */
export async function execute(service: AssetsService, principal: Principal, query: string, variables?: Record<string, unknown>): Promise<OperationResult> {
  const response = await service.apollo.executeOperation(
    { query, variables },
    { contextValue: { principal, loaders: service.createLoaders(principal), requestId: 'test' } },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as OperationResult;
}
