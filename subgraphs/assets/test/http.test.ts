import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { listen } from '../../../lib/http-server';
import { PRINCIPAL_HEADER, signPrincipal } from '../../../lib/principal';
import { ACME, demoAssets, startAssetsService, type TestService } from './helpers';

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

describe('assets subgraph over HTTP', () => {
  let t: TestService;
  let base: string;
  const [asset] = demoAssets('acme');
  const query = `{ asset(uid: "${asset.uid}") { uid name } }`;

  beforeAll(async () => {
    t = await startAssetsService();
    const address: AddressInfo = await listen(t.service.httpServer, 0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => t.service.close());

  test('a request signed by the gateway is served', async () => {
    const { status, body } = await post(`${base}/graphql`, query, { [PRINCIPAL_HEADER]: signPrincipal(ACME, t.secret) });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { asset: { uid: asset.uid, name: asset.name } } });
  });

  test.each<[string, (secret: Buffer) => Record<string, string>]>([
    ['without the principal header', () => ({})],
    ['with a header signed by another secret', () => ({ [PRINCIPAL_HEADER]: signPrincipal(ACME, randomBytes(32)) })],
    ['with an expired header (validly signed)', (secret) => ({ [PRINCIPAL_HEADER]: signPrincipal(ACME, secret, Date.now() - 120_000) })],
    ['with a malformed header', () => ({ [PRINCIPAL_HEADER]: 'not.a.principal.header' })],
  ])('a request %s is refused with 401 UNAUTHENTICATED before any resolver runs', async (_, headersFor) => {
    const before = t.database.stats.roundTrips;
    const { status, body } = await post(`${base}/graphql`, query, headersFor(t.secret));
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(t.database.stats.roundTrips).toBe(before);
  });

  test('/healthz and /readyz answer 200 while the store answers', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: 'ok' } });
  });
});

describe('assets subgraph with its store gone', () => {
  let t: TestService;
  let base: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    t = await startAssetsService();
    const address: AddressInfo = await listen(t.service.httpServer, 0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
    headers = { [PRINCIPAL_HEADER]: signPrincipal(ACME, t.secret) };
    await t.database.close();
  });
  afterAll(() => t.service.close());

  test('a query that needs the store gets DATABASE_UNAVAILABLE without internals, and the server keeps serving', async () => {
    for (const query of ['{ asset(uid: "dev-acme-00001") { uid } }', '{ assets { totalCount } }', 'query { _entities(representations: [{ __typename: "User", uid: "usr-acme-00001" }]) { ... on User { ownedAssets { totalCount } } } }']) {
      const { status, body } = await post(`${base}/graphql`, query, headers);
      expect(status).toBe(200);
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions).toEqual({ code: 'DATABASE_UNAVAILABLE', serviceName: 'assets' });
      expect(body.errors![0].message).toBe('The assets database is unavailable; try again later');
      expect(JSON.stringify(body)).not.toMatch(/closed|stack|embedded/i);
    }
    const { status, body } = await post(`${base}/graphql`, '{ _service { sdl } }', headers);
    expect(status).toBe(200);
    expect(body.data._service.sdl).toContain('type Device');
  });

  test('/readyz reports 503 and names the database; /healthz stays 200', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, checks: { database: 'unavailable' } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
