import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sha256Hex } from '../gateway/src/pipeline/documents';
import { startGraph, type Graph } from './support/graph';
import { sendRaw, type RawExchange } from './support/raw-http';

/**
 * "One request, one value": whatever form an operation arrives in (the query string of a GET, the body of a
 * POST, a persisted id in `documentId`, `doc_id` or `extensions.persistedQuery`, extensions in the query
 * string, a body and a query string at once, an array of operations), the operation that runs is the one that
 * was checked and the one the audit trail records. Requests are generated with operations planted in every
 * place a request can carry one; each operation answers with keys of its own, so the answer tells which ran.
 */

const LIGHT = 'query Light { lightRan: __typename }';
/** More aliases than any client kind may send (30 for users and scripts, 10 for partners): it must never run. */
const HEAVY = `query Heavy { ${Array.from({ length: 35 }, (_, i) => `heavy${i}: __typename`).join(' ')} }`;

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'schema', 'persisted-queries', 'manifest.json'), 'utf8')) as { operations: Array<{ id: string; name: string; body: string }> };
const partnerManifest = JSON.parse(readFileSync(join(root, 'schema', 'persisted-queries', 'clients', 'partner-x.json'), 'utf8')) as typeof manifest;
const PEOPLE = manifest.operations.find((operation) => operation.name === 'People')!;
const PARTNER_INCIDENTS = partnerManifest.operations.find((operation) => operation.name === 'PartnerIncidents')!;

/** What can be planted: a document's text, or a persisted id (a listed operation, or the hash of a text). */
type Operation = { label: 'light' | 'heavy'; text: string } | { label: 'people' | 'partnerIncidents'; id: string; text: string };
const OPERATIONS: Record<Operation['label'], Operation> = {
  light: { label: 'light', text: LIGHT },
  heavy: { label: 'heavy', text: HEAVY },
  people: { label: 'people', id: PEOPLE.id, text: PEOPLE.body },
  partnerIncidents: { label: 'partnerIncidents', id: PARTNER_INCIDENTS.id, text: PARTNER_INCIDENTS.body },
};

/** Which operation an answer's data came from, by its root keys. */
function ranFrom(data: Record<string, unknown>): Operation['label'] {
  const keys = Object.keys(data);
  if (keys.includes('lightRan')) return 'light';
  if (keys.some((key) => key.startsWith('heavy'))) return 'heavy';
  if (keys.includes('users')) return 'people';
  if (keys.includes('incidents')) return 'partnerIncidents';
  throw new Error(`an answer no planted operation gives: ${keys.join(', ')}`);
}

/** One place of a request, with what is planted there. */
interface Planted {
  query?: Operation;
  documentId?: Operation;
  docId?: Operation;
  /** extensions.persistedQuery with this operation's hash (of its text) or id. */
  apq?: Operation;
}

interface GeneratedRequest {
  kind: 'user' | 'script' | 'partner';
  method: 'GET' | 'POST';
  /** The query string. */
  search: Planted;
  /** The body: one operation, an array of them, or none. */
  body: Planted | Planted[] | undefined;
}

const operation = fc.constantFrom(...Object.values(OPERATIONS));
/** One operation in one field, as clients send it (APQ registration sends the text with its hash). */
const wellFormed: fc.Arbitrary<Planted> = fc.oneof(
  operation.map((planted) => ({ query: planted })),
  operation.map((planted) => ({ documentId: planted })),
  operation.map((planted) => ({ docId: planted })),
  operation.map((planted) => ({ apq: planted })),
  operation.map((planted) => ({ query: planted, apq: planted })),
);
/** Any fields, each with any operation: what an attacker mixes. */
const mixed: fc.Arbitrary<Planted> = fc.record({ query: operation, documentId: operation, docId: operation, apq: operation }, { requiredKeys: [] });
const place = fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 2, arbitrary: mixed });
/** `arbitrary` one time in five, else `otherwise`. */
function sometimes<T, U>(arbitrary: fc.Arbitrary<T>, otherwise: U): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(otherwise) }, { weight: 1, arbitrary });
}

/** Mostly the part of the request the method reads; sometimes the other part too, or instead. */
const generatedRequest: fc.Arbitrary<GeneratedRequest> = fc
  .record({ kind: fc.constantFrom('user' as const, 'script' as const, 'partner' as const), method: fc.constantFrom('GET' as const, 'POST' as const) })
  .chain(({ kind, method }) =>
    fc.record({
      kind: fc.constant(kind),
      method: fc.constant(method),
      search: method === 'GET' ? place : sometimes(place, {}),
      body: method === 'POST' ? fc.oneof({ weight: 3, arbitrary: place }, { weight: 1, arbitrary: fc.array(place, { minLength: 1, maxLength: 3 }) }) : sometimes(place, undefined),
    }),
  );

function toParams(place: Planted): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (place.query) params.query = place.query.text;
  if (place.documentId) params.documentId = `sha256:${idOf(place.documentId)}`;
  if (place.docId) params.doc_id = idOf(place.docId);
  if (place.apq) params.extensions = { persistedQuery: { version: 1, sha256Hash: idOf(place.apq) } };
  return params;
}

function idOf(operation: Operation): string {
  return 'id' in operation ? operation.id : sha256Hex(operation.text);
}

/** Where the gateway reads an operation from: the query string of a GET, the body of a POST. Never both. */
function readPlaces(request: GeneratedRequest): Planted[] {
  if (request.method === 'GET') return [request.search];
  return Array.isArray(request.body) ? request.body : request.body ? [request.body] : [];
}

/** An answer the gateway gave, and what it ran, for the audit check at the end. */
interface Observation {
  requestId: string;
  ran: Operation['label'][];
}

let graph: Graph;
let auditDirectory: string;
let auditFile: string;
let gateway: { url: string; close(): Promise<void> };
const tokens: Record<GeneratedRequest['kind'], string> = { user: '', script: '', partner: '' };

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: 0.02 });
  auditDirectory = mkdtempSync(join(tmpdir(), 'palisade-one-value-'));
  auditFile = join(auditDirectory, 'audit.jsonl');
  const started = await graph.startGateway({
    AUDIT_LOG: auditFile,
    PERSISTED_QUERIES: join(root, 'schema', 'persisted-queries'),
    PERSISTED_QUERIES_MODE: 'enforce',
    BATCH_MAX_OPERATIONS: '3',
    CLIENT_POLICIES: JSON.stringify({ user: { rateLimit: { requests: 100_000 } }, script: { rateLimit: { requests: 100_000 } }, partner: { rateLimit: { requests: 100_000, cost: 10_000_000 } } }),
  });
  gateway = { url: started.url, close: () => started.gateway.close() };
  tokens.user = await graph.token();
  tokens.script = await graph.token({ kind: 'script', sub: 'nightly', clientId: 'nightly-report' });
  tokens.partner = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read'] });
});

afterAll(async () => {
  await graph?.close();
  if (auditDirectory) rmSync(auditDirectory, { recursive: true, force: true });
});

describe('one request, one value', () => {
  it('runs only an operation from the part of the request the gateway reads, only one that passed its checks, and audits exactly what ran', async () => {
    const observations: Observation[] = [];
    await fc.assert(
      fc.asyncProperty(generatedRequest, async (request) => {
        const exchange: RawExchange = await sendRaw(gateway.url, {
          method: request.method,
          token: tokens[request.kind],
          search: toParams(request.search),
          body: request.body === undefined ? undefined : Array.isArray(request.body) ? request.body.map(toParams) : toParams(request.body),
          headers: { 'apollo-require-preflight': 'true', ...(request.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        });
        const searchCarriesOperation = Object.keys(toParams(request.search)).length > 0;
        // A GET that carries a body, a POST whose query string carries an operation: refused whole, before any
        // check could read one part while the executor ran the other (a GET with a body once did exactly that).
        if ((request.method === 'GET' && request.body !== undefined) || (request.method === 'POST' && searchCarriesOperation)) {
          expect({ status: exchange.status, data: exchange.body?.data }).toEqual({ status: 400, data: undefined });
          return;
        }
        const answers = Array.isArray(exchange.body) ? exchange.body : [exchange.body];
        const places = readPlaces(request);
        const ran: Operation['label'][] = [];
        answers.forEach((answer: { data?: Record<string, unknown> | null }, index: number) => {
          if (!answer?.data) return;
          const label = ranFrom(answer.data);
          ran.push(label);
          // Never an operation over the limits, whatever it hid behind.
          expect(label).not.toBe('heavy');
          // Only an operation the read part of the request carried (the batch item itself, for a batch).
          const place = places[Math.min(index, places.length - 1)];
          expect(Object.values(place).map((planted: Operation) => planted.label)).toContain(label);
          // A partner runs only what is listed for its client.
          if (request.kind === 'partner') expect(label).toBe('partnerIncidents');
        });
        if (ran.length > 0) observations.push({ requestId: exchange.headers.get('x-request-id')!, ran });
      }),
      { numRuns: 250, seed: 20261207 },
    );
    expect(observations.length).toBeGreaterThan(20);

    // The audit trail names exactly what ran, for each request: its persisted id or the hash of its text.
    await gateway.close();
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { requestId: string; operationId: string | null; outcome: string });
    for (const { requestId, ran } of observations) {
      const audited = lines.filter((line) => line.requestId === requestId && line.outcome !== 'rejected' && line.outcome !== 'error').map((line) => line.operationId).sort();
      const expected = ran.map((label) => idOf(OPERATIONS[label])).sort();
      expect({ requestId, audited }).toEqual({ requestId, audited: expected });
    }
  }, 120_000);
});
