import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The CommonJS builds by file: under node16 resolution the bare entry points resolve to Apollo Client's ESM types.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/core.cjs';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/persisted-queries.cjs';
import { startGraph, type Graph } from './support/graph';
import { apq, describeWithRedis, eventually, recordingLogger, send, uniqueName, type RawResponse } from './support/raw-http';

const SAMPLE_DIRECTORY = join(__dirname, '..', 'schema', 'persisted-queries');

interface ManifestOperation {
  id: string;
  name: string;
  type: string;
  body: string;
}

function manifestOperation(file: string, name: string): ManifestOperation {
  const manifest = JSON.parse(readFileSync(join(SAMPLE_DIRECTORY, file), 'utf8')) as { operations: ManifestOperation[] };
  return manifest.operations.find((operation) => operation.name === name)!;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const PEOPLE = manifestOperation('manifest.json', 'People');
const PARTNER_INCIDENTS = manifestOperation('clients/partner-x.json', 'PartnerIncidents');
const UNLISTED = '{ incidents(first: 2) { totalCount } }';

const temporaryDirectories: string[] = [];
/** A copy of schema/persisted-queries that a test may change. */
function copyOfSample(): string {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-pq-'));
  temporaryDirectories.push(directory);
  cpSync(SAMPLE_DIRECTORY, directory, { recursive: true });
  return directory;
}

let graph: Graph;
let userToken: string;
let scriptToken: string;
let partnerToken: string;

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: 0.02, gatewayEnv: { PERSISTED_QUERIES: copyOfSample(), PERSISTED_QUERIES_MODE: 'enforce' } });
  userToken = await graph.token();
  scriptToken = await graph.token({ kind: 'script', sub: 'export-job', clientId: 'export-job' });
  partnerToken = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read'] });
});

afterAll(async () => {
  await graph?.close();
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

interface SentRequest {
  method: string;
  /** Whether the document's text went over the wire (body or query string). */
  sentQuery: boolean;
  code: string | undefined;
}

/** Apollo Client with its own persisted-queries link, over node's fetch, recording what each request sent. */
function apqClient(url: string, token: string, useGETForHashedQueries: boolean) {
  const sent: SentRequest[] = [];
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const sentQuery =
      method === 'GET' ? new URL(String(input)).searchParams.has('query') : typeof (JSON.parse(String(init?.body)) as { query?: unknown }).query === 'string';
    const response = await fetch(input, init);
    const body = (await response.clone().json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    sent.push({ method, sentQuery, code: body.errors?.[0]?.extensions?.code });
    return response;
  };
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

describe('automatic persisted queries with Apollo Client', () => {
  it.each([
    ['POST', false, 'POST'],
    ['GET (useGETForHashedQueries)', true, 'GET'],
  ])('over %s: the first call registers the document, the second is served by its hash alone', async (_transport, useGET, hashedMethod) => {
    const { client, sent } = apqClient(graph.url, userToken, useGET);
    const query = gql(`query ${uniqueName('ApqRoundTrip')} { users(first: 3) { totalCount edges { node { uid name } } } }`);

    const first = await client.query({ query, fetchPolicy: 'no-cache' });
    expect(sent.splice(0)).toEqual([
      { method: hashedMethod, sentQuery: false, code: 'PERSISTED_QUERY_NOT_FOUND' },
      { method: 'POST', sentQuery: true, code: undefined },
    ]);
    expect(first.data.users.edges).toHaveLength(3);

    const second = await client.query({ query, fetchPolicy: 'no-cache' });
    expect(sent).toEqual([{ method: hashedMethod, sentQuery: false, code: undefined }]);
    expect(second.data).toEqual(first.data);
  });
});

describe('the APQ protocol over HTTP', () => {
  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND and HTTP 200, so that clients send the document', async () => {
    const { status, body } = await send(graph.url, { token: userToken, body: { extensions: apq(sha256(uniqueName('never-registered'))) } });
    expect(status).toBe(200);
    expect(body.errors).toEqual([expect.objectContaining({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
  });

  it('refuses a hash that is not the hash of the document sent with it, with 400 as a client error', async () => {
    const query = `query ${uniqueName('Mismatch')} { users(first: 1) { totalCount } }`;
    const { status, body } = await send(graph.url, { token: userToken, body: { query, extensions: apq(sha256(`${query} `)) } });
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('does not register a document that fails validation: its hash stays unknown', async () => {
    const query = `query ${uniqueName('Invalid')} { users(first: 1) { totalCount noSuchField } }`;
    const register = await send(graph.url, { token: userToken, body: { query, extensions: apq(sha256(query)) } });
    expect(register.status).toBe(400);
    expect(register.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const byHash = await send(graph.url, { token: userToken, body: { extensions: apq(sha256(query)) } });
    expect(byHash.status).toBe(200);
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a partner registering a document with APQ, and the hash stays unknown', async () => {
    const query = `query ${uniqueName('PartnerRegisters')} { incidents(first: 1) { totalCount } }`;
    const register = await send(graph.url, { token: partnerToken, body: { query, extensions: apq(sha256(query)) } });
    expect(register.status).toBe(403);
    expect(register.body).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })] });
    expect(register.body.errors[0].message).toContain('partner-x');

    const byHash = await send(graph.url, { token: userToken, body: { extensions: apq(sha256(query)) } });
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describeWithRedis('APQ shared by two gateways through one Redis', (redisUrl) => {
  it('serves by hash alone, through one gateway, a document registered through the other', async () => {
    const [first, second] = await Promise.all([graph.startGateway({ REDIS_URL: redisUrl }), graph.startGateway({ REDIS_URL: redisUrl })]);
    const query = `query ${uniqueName('Shared')} { users(first: 2) { edges { node { uid } } } }`;
    const hash = sha256(query);

    const unknownYet = await send(second.url, { token: userToken, body: { extensions: apq(hash) } });
    expect(unknownYet.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await send(first.url, { token: userToken, body: { query, extensions: apq(hash) } });
    expect(registered.body.errors).toBeUndefined();
    // Apollo Server stores the document without awaiting the write; the other gateway sees it once it landed.
    let served: RawResponse | undefined;
    await eventually(async () => {
      served = await send(second.url, { token: userToken, body: { extensions: apq(hash) } });
      return served.body.errors === undefined;
    }, 5_000);
    expect(served!.status).toBe(200);
    expect(served!.body.data).toEqual(registered.body.data);
  });
});

describe('trusted documents (PERSISTED_QUERIES_MODE=enforce)', () => {
  it.each([
    ['extensions.persistedQuery.sha256Hash', { extensions: apq(PEOPLE.id) }],
    ['documentId sha256:<hex>', { documentId: `sha256:${sha256(PEOPLE.body)}` }],
    ['doc_id', { doc_id: PEOPLE.id }],
  ])('runs a listed operation for a script named by %s', async (_field, body) => {
    const { status, body: answer } = await send(graph.url, { token: scriptToken, body });
    expect(status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.users.edges).toHaveLength(5);
  });

  it('refuses an unlisted document from a script with 403 QUERY_NOT_IN_SAFELIST, and runs the exact text of a listed one', async () => {
    const unlisted = await send(graph.url, { token: scriptToken, body: { query: UNLISTED } });
    expect(unlisted.status).toBe(403);
    expect(unlisted.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(unlisted.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_NOT_IN_SAFELIST' } })]);

    const listed = await send(graph.url, { token: scriptToken, body: { query: PEOPLE.body } });
    expect(listed.status).toBe(200);
    expect(listed.body.data.users.edges).toHaveLength(5);
  });

  it('refuses a partner sending a document instead of an id with 400 PERSISTED_QUERY_ID_REQUIRED, even its listed one', async () => {
    for (const query of [UNLISTED, PARTNER_INCIDENTS.body]) {
      const { status, body } = await send(graph.url, { token: partnerToken, body: { query } });
      expect(status).toBe(400);
      expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } })]);
    }
  });

  it.each([
    ['an id no manifest lists', { documentId: `sha256:${sha256(UNLISTED)}` }],
    ['the id of a shared operation not agreed with partner-x', { documentId: PEOPLE.id }],
    ['an APQ hash of neither', { extensions: apq(sha256(UNLISTED)) }],
  ])('refuses a partner naming %s with 404 PERSISTED_QUERY_NOT_IN_LIST', async (_case, body) => {
    const { status, body: answer } = await send(graph.url, { token: partnerToken, body });
    expect(status).toBe(404);
    expect(answer.errors).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } })]);
  });

  it("runs the partner's listed operation by id, with its variables", async () => {
    const { status, body } = await send(graph.url, { token: partnerToken, body: { documentId: PARTNER_INCIDENTS.id, variables: { first: 2 } } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.incidents.edges).toHaveLength(2);
    expect(Object.keys(body.data.incidents.edges[0].node).sort()).toEqual(['severity', 'status', 'title', 'uid']);
  });

  it('refuses an id and a document in one request with 400 CANNOT_SEND_PQ_ID_AND_BODY', async () => {
    const { status, body } = await send(graph.url, { token: scriptToken, body: { documentId: PEOPLE.id, query: UNLISTED } });
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'CANNOT_SEND_PQ_ID_AND_BODY' } })]);
  });
});

describe('manifest reload', () => {
  it('serves an operation added to a client manifest without a restart, and keeps the list in use when a change is broken', async () => {
    const directory = copyOfSample();
    const { logger, lines } = recordingLogger();
    const { url } = await graph.startGateway({ PERSISTED_QUERIES: directory, PERSISTED_QUERIES_MODE: 'enforce' }, { logger });
    const partnerFile = join(directory, 'clients', 'partner-x.json');
    const added = { id: 'partner-incident-count-1', name: 'PartnerIncidentCount', type: 'query', body: 'query PartnerIncidentCount { incidents(first: 1) { totalCount } }' };
    const run = (documentId: string) => send(url, { token: partnerToken, body: { documentId } });

    expect((await run(added.id)).status).toBe(404);
    const manifest = JSON.parse(readFileSync(partnerFile, 'utf8')) as { operations: unknown[] };
    writeFileSync(partnerFile, JSON.stringify({ ...manifest, operations: [...manifest.operations, added] }));
    await eventually(async () => (await run(added.id)).status === 200);
    expect((await run(added.id)).body.data.incidents.totalCount).toBeGreaterThan(0);

    writeFileSync(partnerFile, '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [');
    await eventually(() => lines.some((line) => line.msg === 'persisted operations refused; the previous list stays in use'));
    const refusal = lines.find((line) => line.msg === 'persisted operations refused; the previous list stays in use')!;
    expect(refusal.reason).toContain('partner-x.json');
    expect(refusal.reason).toContain('is not valid JSON');
    for (const id of [added.id, PARTNER_INCIDENTS.id]) {
      const { status, body } = await run(id);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    }
  });
});
