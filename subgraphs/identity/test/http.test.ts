import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { encodeCursor } from '../../../subgraph-kit/connection';
import { listen } from '../../../lib/http-server';
import { PRINCIPAL_HEADER, signPrincipal } from '../../../lib/principal';
import { createTestDatabase, type TestDatabase } from '../../../subgraph-kit/sql/test-database';
import { createIdentityService, type IdentityService } from '../src/server';
import { PRINCIPAL_SECRET, principalOf, silentLogger, startIdentity, TEST_SCALE, usersOf, type IdentityFixture, type Result } from './support';

describe('identity subgraph over HTTP', () => {
  let fixture: IdentityFixture;
  let url: string;
  const acmeUser = usersOf('acme')[0];

  const post = (headers: Record<string, string>, query = `{ user(uid: "${acmeUser.uid}") { uid name } }`) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  const signed = (secret = PRINCIPAL_SECRET, now = Date.now()) => ({ [PRINCIPAL_HEADER]: signPrincipal(principalOf('acme'), secret, now) });

  beforeAll(async () => {
    fixture = await startIdentity();
    const address = await listen(fixture.service.httpServer, 0, '127.0.0.1');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => fixture.close());

  it('refuses a request without a principal signed by the gateway with 401 UNAUTHENTICATED', async () => {
    for (const headers of [{}, signed(randomBytes(32)), signed(PRINCIPAL_SECRET, Date.now() - 3_600_000), { [PRINCIPAL_HEADER]: 'garbage' }]) {
      const response = await post(headers);
      expect(response.status).toBe(401);
      const body = (await response.json()) as Result;
      expect(body.data).toBeUndefined();
      expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    }
  });

  it('serves a request with a valid principal', async () => {
    const response = await post(signed());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { user: { uid: acmeUser.uid, name: acmeUser.name } } });
  });

  it('reports itself ready while its database answers', async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('answers DATABASE_UNAVAILABLE, without internals, once its database is gone, and keeps serving', async () => {
    await fixture.testDatabase.database.close();
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await post(signed());
      expect(response.status).toBe(200);
      const body = (await response.json()) as Result;
      expect(body.data).toEqual({ user: null });
      expect(body.errors).toEqual([
        { message: 'The identity database is unavailable; try again later', locations: [{ line: 1, column: 3 }], path: ['user'], extensions: { code: 'DATABASE_UNAVAILABLE', serviceName: 'identity' } },
      ]);
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const readiness = await fetch(`${url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ ready: false, checks: { database: 'unavailable' } });
  });
});

describe('identity subgraph given values its database cannot take', () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  let fixture: IdentityFixture;
  let url: string;

  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(principalOf('acme'), PRINCIPAL_SECRET) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Result };
  };
  const errorLines = () => lines.filter((line) => (line.level as number) >= 50);

  beforeAll(async () => {
    fixture = await startIdentity(TEST_SCALE, logger);
    const address = await listen(fixture.service.httpServer, 0, '127.0.0.1');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => fixture.close());
  beforeEach(() => {
    lines.length = 0;
  });

  it('answers a NUL byte in a uid with BAD_USER_INPUT naming the argument, before any statement, and logs no error', async () => {
    const before = fixture.service.stats.roundTrips;
    const { status, body } = await post('query ($uid: ID!) { user(uid: $uid) { uid } }', { uid: 'usr-acme-\u000000001' });
    expect(status).toBe(200);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'uid' } })]);
    expect(fixture.service.stats.roundTrips).toBe(before);
    expect(errorLines()).toEqual([]);
  });

  it('answers a value PostgreSQL refuses as data with BAD_USER_INPUT naming the field, and logs it at debug only', async () => {
    // A cursor is opaque to the argument checks; the NUL byte inside it first meets PostgreSQL.
    const after = encodeCursor(['Ada\u0000', 'usr-acme-00001']);
    const { status, body } = await post('query ($after: String) { users(first: 2, after: $after) { totalCount } }', { after });
    expect(status).toBe(200);
    expect(body.data).toEqual({ users: null });
    expect(body.errors).toEqual([
      {
        message: 'The database refused a value passed to "users" (invalid byte sequence for encoding "UTF8": 0x00); check that field\'s arguments',
        locations: [{ line: 1, column: 26 }],
        path: ['users'],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(errorLines()).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ level: 20, path: ['users'], msg: 'the database refused a value of the request' })]);
  });
});

// PGlite runs on one thread without timers: statement_timeout is PostgreSQL's, and only a server enforces it.
(process.env.DATABASE_URL ? describe : describe.skip)('identity subgraph with a statement past its deadline (DATABASE_URL only)', () => {
  let testDatabase: TestDatabase;
  let service: IdentityService;
  let url: string;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    // At demo scale 1 the members of a tenant's groups, paged and counted, take PostgreSQL more than 1 ms.
    service = await createIdentityService({ database: testDatabase.database, principalSecret: PRINCIPAL_SECRET, logger: silentLogger, demoDataScale: 1, queryTimeoutMs: 1 });
    const address = await listen(service.httpServer, 0, '127.0.0.1');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await service.close();
    await testDatabase.close();
  });

  it('answers the fields whose statement PostgreSQL stopped with DEADLINE_EXCEEDED and HTTP 200, and keeps /healthz answering', async () => {
    const heavy = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(principalOf('acme'), PRINCIPAL_SECRET) },
      body: JSON.stringify({ query: '{ groups(first: 100) { edges { node { members(first: 100) { totalCount edges { node { uid name } } } } } } }' }),
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const response = await heavy;
    expect(response.status).toBe(200);
    const body = (await response.json()) as Result;
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors ?? []) {
      expect(error.extensions).toEqual({ code: 'DEADLINE_EXCEEDED', serviceName: 'identity', timeoutMs: 1 });
      expect(error.message).toBe('The identity subgraph stopped this query at its deadline of 1 ms; narrow the filter or ask for fewer items, then try again');
    }
  });
});
