import { randomBytes } from 'node:crypto';
import { listen } from '../../../lib/http-server';
import { PRINCIPAL_HEADER, signPrincipal } from '../../../lib/principal';
import { PRINCIPAL_SECRET, principalOf, startIdentity, usersOf, type IdentityFixture, type Result } from './support';

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
