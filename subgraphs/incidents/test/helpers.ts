import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import { demoIncidentDocuments } from '../src/data/demo-incidents';
import { EmbeddedDocumentDatabase, openDocumentDatabase, type DocumentDatabase } from '../../../subgraph-kit/documents';
import { createLogger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { SEVERITY_ID } from '../src/data/severity';
import type { SubgraphContext } from '../../../subgraph-kit/server';
import { INCIDENTS_COLLECTION, type IncidentDocument, type IncidentStatus } from '../src/data/incident-document';
import type { IncidentLoaders } from '../src/data/loaders';
import { createIncidentsService, type IncidentsService } from '../src/server';

export const DEMO_SCALE = 0.1;
export const PRINCIPAL_SECRET = Buffer.from('incidents-test-secret-0123456789abcdef', 'utf8');
export const silentLogger = createLogger('incidents-test', 'silent');

export function principal(tenant: string, sub = `usr-${tenant}-00001`): Principal {
  return { sub, tenant, kind: 'user', scopes: ['incidents:read', 'incidents:write'] };
}
export const ACME = principal('acme');
export const GLOBEX = principal('globex');

let demo: IncidentDocument[] | undefined;
/** The demo incidents every service in these tests is seeded with (scale DEMO_SCALE). */
export function demoIncidents(tenant?: string): IncidentDocument[] {
  demo ??= demoIncidentDocuments(DEMO_SCALE);
  return tenant ? demo.filter((incident) => incident.tenant === tenant) : demo;
}

/** Newest first, uid breaking ties: the order every incident list promises. */
export function newestFirst(a: IncidentDocument, b: IncidentDocument): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.uid < b.uid ? 1 : a.uid > b.uid ? -1 : 0);
}

/** A store the tests run against: the embedded one always, MongoDB when MONGODB_URL is set. */
export interface StoreUnderTest {
  name: string;
  open(): Promise<DocumentDatabase>;
}

const MONGODB_URL = process.env.MONGODB_URL;

export const STORES: StoreUnderTest[] = [
  { name: 'embedded store', open: async () => new EmbeddedDocumentDatabase() },
  ...(MONGODB_URL ? [{ name: 'MongoDB', open: () => openMongoForTest(MONGODB_URL) }] : []),
];

/** Says, where a test suite runs per store, that the MongoDB runs were skipped and why. */
export function describeSkippedMongo(): void {
  if (!MONGODB_URL) describe.skip('MongoDB runs (skipped: MONGODB_URL is not set)', () => it.todo('set MONGODB_URL to run these tests against MongoDB'));
}

/** Each test file gets a database of its own, so files running in parallel never see each other's documents. */
async function openMongoForTest(url: string): Promise<DocumentDatabase> {
  const name = `palisade_incidents_test_${randomUUID().slice(0, 8)}`;
  const withDatabase = url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${name}`);
  return openDocumentDatabase(withDatabase, name);
}

/** Removes what a test wrote to MongoDB; the embedded store simply goes away with the process. */
export async function discard(database: DocumentDatabase): Promise<void> {
  if (database.kind === 'mongodb') await database.collection(INCIDENTS_COLLECTION).deleteMany({});
  await database.close();
}

/**
 * The change relay sweeps its store once a second for changes nobody nudged it about: a round trip of its own,
 * which tests that count a request's round trips must not see. Mutations still nudge it at once.
 */
export async function createTestService(database: DocumentDatabase, demoDataScale = DEMO_SCALE): Promise<IncidentsService> {
  return createIncidentsService({ principalSecret: PRINCIPAL_SECRET, logger: silentLogger, demoDataScale, database, changeSweepIntervalMs: 3_600_000 });
}

export interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

/** Runs one operation as `who`, with fresh per-request loaders, as the HTTP server would. */
export async function execute(service: IncidentsService, who: Principal, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult> {
  const apollo: ApolloServer<SubgraphContext<IncidentLoaders>> = service.apollo;
  const response = await apollo.executeOperation({ query, variables }, { contextValue: { principal: who, loaders: service.createLoaders(who), requestId: 'test' } });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as GraphQLResult;
}

/** An incident in a given status, for tests that need one in a known state. */
export function fixtureIncident(tenant: string, status: IncidentStatus, overrides: Partial<IncidentDocument> = {}): IncidentDocument {
  const createdAt = new Date('2026-04-01T10:00:00.000Z');
  return {
    tenant,
    uid: `inc-${tenant}-fixture-${randomUUID()}`,
    title: 'Fixture incident',
    description: null,
    severity: 'HIGH',
    severityId: SEVERITY_ID.HIGH,
    status,
    verdict: 'UNKNOWN',
    priority: 'HIGH',
    createdAt,
    updatedAt: createdAt,
    resolvedAt: status === 'RESOLVED' || status === 'CLOSED' ? createdAt : null,
    closedAt: status === 'CLOSED' ? createdAt : null,
    assigneeUid: null,
    assigneeGroupUid: null,
    affectedAssets: [],
    affectedUserUids: [],
    findings: [],
    timeline: [{ at: createdAt, kind: 'CREATED', message: 'Incident opened', actorUid: null, fromStatus: null, toStatus: 'NEW' }],
    ...overrides,
  };
}

export function storedIncident(database: DocumentDatabase, uid: string): Promise<IncidentDocument | null> {
  return database.collection<IncidentDocument>(INCIDENTS_COLLECTION).findOne({ uid });
}
