import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { EmbeddedDocumentDatabase } from '../../../subgraph-kit/documents';
import { close, listen } from '../../../lib/http-server';
import { PRINCIPAL_HEADER, signPrincipal } from '../../../lib/principal';
import { createIncidentsService, type IncidentsService } from '../src/server';
import { ACME, createTestService, demoIncidents, PRINCIPAL_SECRET, type GraphQLResult } from './helpers';

const QUERY = JSON.stringify({ query: '{ incidents(first: 1) { totalCount edges { node { uid tenant } } } }' });

describe('incidents subgraph over HTTP', () => {
  let database: EmbeddedDocumentDatabase;
  let service: IncidentsService;
  let url: string;

  beforeEach(async () => {
    database = new EmbeddedDocumentDatabase();
    service = await createTestService(database);
    const address: AddressInfo = await listen(service.httpServer, 0, '127.0.0.1');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterEach(() => service.close());

  const graphQLBody = (response: Response) => response.json() as Promise<GraphQLResult>;

  function post(headers: Record<string, string> = {}, body = QUERY): Promise<Response> {
    return fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  }

  it('refuses a request without a principal header with 401 UNAUTHENTICATED, before touching the store', async () => {
    const before = database.stats.roundTrips;
    const response = await post();
    expect(response.status).toBe(401);
    const body = await graphQLBody(response);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(database.stats.roundTrips).toBe(before);
  });

  it.each([
    ['signed with another secret', () => signPrincipal(ACME, Buffer.from('another-secret-another-secret-0123456789'))],
    ['expired', () => signPrincipal(ACME, PRINCIPAL_SECRET, Date.now() - 3_600_000)],
    ['tampered with', () => signPrincipal(ACME, PRINCIPAL_SECRET).replace(/^[^.]+/, Buffer.from(JSON.stringify({ ...ACME, tenant: 'globex', exp: 9e9 })).toString('base64url'))],
  ])('refuses a principal header %s with 401 UNAUTHENTICATED', async (_, header) => {
    const response = await post({ [PRINCIPAL_HEADER]: header() });
    expect(response.status).toBe(401);
    expect((await graphQLBody(response)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("serves a request with a valid signed principal, from that principal's tenant", async () => {
    const response = await post({ [PRINCIPAL_HEADER]: signPrincipal(ACME, PRINCIPAL_SECRET) });
    expect(response.status).toBe(200);
    const body = await graphQLBody(response);
    expect(body.errors).toBeUndefined();
    expect(body.data?.incidents.totalCount).toBeGreaterThan(0);
    expect(body.data?.incidents.edges[0].node.tenant).toBe('acme');
  });

  it('refuses 20,000 statuses in one filter before any store round trip, with 200 and BAD_USER_INPUT naming the list', async () => {
    const statuses = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? 'NEW' : 'IN_PROGRESS'));
    const before = database.stats.roundTrips;
    const response = await post(
      { [PRINCIPAL_HEADER]: signPrincipal(ACME, PRINCIPAL_SECRET) },
      JSON.stringify({ query: 'query ($s: [IncidentStatus!]) { incidents(first: 5, filter: { status: $s }) { totalCount } }', variables: { s: statuses } }),
    );
    expect(response.status).toBe(200);
    const body = await graphQLBody(response);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'filter.status', maximum: 500, value: 20_000 } }),
    ]);
    expect(database.stats.roundTrips).toBe(before);
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('answers DATABASE_UNAVAILABLE when the store is gone, without internals, and keeps serving', async () => {
    await database.close();
    const headers = { [PRINCIPAL_HEADER]: signPrincipal(ACME, PRINCIPAL_SECRET) };
    for (const body of [QUERY, JSON.stringify({ query: 'mutation { addIncidentNote(uid: "inc-acme-00001", note: "x") { uid } }' })]) {
      const response = await post(headers, body);
      expect(response.status).toBe(200);
      const result = await graphQLBody(response);
      expect(result.errors?.[0].extensions).toEqual({ code: 'DATABASE_UNAVAILABLE', serviceName: 'incidents' });
      expect(result.errors?.[0].message).toBe('The incidents database is unavailable; try again later');
      expect(JSON.stringify(result)).not.toMatch(/embedded|stack|closed/i);
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, checks: { database: 'unavailable' } });
    expect((await post()).status).toBe(401);
  });
});

describe('incidents subgraph with a query past its deadline', () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  let service: IncidentsService;
  let url: string;

  beforeAll(async () => {
    // Demo scale 1: each tenant's incidents span several slices of the embedded store's reads, where it looks at the deadline.
    service = await createIncidentsService({ principalSecret: PRINCIPAL_SECRET, logger, demoDataScale: 1, queryTimeoutMs: 1, database: new EmbeddedDocumentDatabase() });
    const address = await listen(service.httpServer, 0, '127.0.0.1');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await close(service.httpServer);
    await service.close();
  });

  it('answers that field alone with DEADLINE_EXCEEDED and HTTP 200, serves the rest, logs a warning without a stack, and keeps /healthz answering', async () => {
    const [incident] = demoIncidents('acme');
    // A window before every incident: the index bounds the list by one end of it only, so the page and the count
    // evaluate the whole tenant's incidents and find none.
    const heavy = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(ACME, PRINCIPAL_SECRET) },
      body: JSON.stringify({
        query: 'query ($after: DateTime, $before: DateTime, $uid: ID!) { incidents(first: 5, filter: { createdAfter: $after, createdBefore: $before }) { totalCount } incident(uid: $uid) { uid } }',
        variables: { after: '2000-01-01T00:00:00Z', before: '2000-01-02T00:00:00Z', uid: incident.uid },
      }),
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    const response = await heavy;
    expect(response.status).toBe(200);
    const body = (await response.json()) as GraphQLResult;
    expect(body.data).toEqual({ incidents: null, incident: { uid: incident.uid } });
    expect(body.errors).toEqual([
      {
        message: 'The incidents subgraph stopped this query at its deadline of 1 ms; narrow the filter or ask for fewer items, then try again',
        locations: [{ line: 1, column: 58 }],
        path: ['incidents'],
        extensions: { code: 'DEADLINE_EXCEEDED', serviceName: 'incidents', timeoutMs: 1 },
      },
    ]);
    const logged = lines.filter((line) => line.msg === 'a query was stopped at its deadline');
    expect(logged).toEqual([expect.objectContaining({ level: 40, path: ['incidents'], queryTimeoutMs: 1 })]);
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/stack/);
  });
});
