import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { listen } from '../../../lib/http-server';
import { PRINCIPAL_HEADER, signPrincipal } from '../../../lib/principal';
import { createTestDatabase, type TestDatabase } from '../../../subgraph-kit/sql/test-database';
import { createIdentityService, type IdentityService } from '../src/server';
import { PRINCIPAL_SECRET, principalOf, silentLogger, type Result } from './support';

const UNAVAILABLE = [
  { message: 'The identity database is unavailable; try again later', locations: [{ line: 1, column: 3 }], path: ['user'], extensions: { code: 'DATABASE_UNAVAILABLE', serviceName: 'identity' } },
];

async function startOn(databaseUrl: string): Promise<{ service: IdentityService; url: string }> {
  const service = await createIdentityService({ storeUrl: databaseUrl, principalSecret: PRINCIPAL_SECRET, logger: silentLogger, demoDataScale: 0.01 });
  const address = await listen(service.httpServer, 0, '127.0.0.1');
  return { service, url: `http://127.0.0.1:${address.port}` };
}

async function queryUser(url: string, uid: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(principalOf('acme'), PRINCIPAL_SECRET) },
    body: JSON.stringify({ query: `{ user(uid: "${uid}") { uid } }` }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Result;
}

describe('identity subgraph when PostgreSQL is unreachable', () => {
  let running: { service: IdentityService; url: string };

  beforeAll(async () => {
    running = await startOn('postgres://palisade@127.0.0.1:1/palisade');
  });
  afterAll(() => running.service.close());

  it('starts anyway, answers DATABASE_UNAVAILABLE to every query, and keeps serving', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await queryUser(running.url, 'usr-acme-00001')).toEqual({ data: { user: null }, errors: UNAVAILABLE });
    }
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it('reports itself not ready', async () => {
    const response = await fetch(`${running.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, checks: { database: 'unavailable' } });
  });
});

/** Forwards TCP connections from a port to PostgreSQL, so that a test can take the database away and bring it back. */
class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(port: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      const pair = [client, upstream];
      for (const socket of pair) {
        this.sockets.add(socket);
        socket.on('error', () => pair.forEach((s) => s.destroy()));
        socket.on('close', () => {
          this.sockets.delete(socket);
          pair.forEach((s) => s.destroy());
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  /** Cuts every connection, as a PostgreSQL that went down would. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const withServer = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) console.info('identity: skipped the PostgreSQL outage and recovery tests; they need DATABASE_URL');

withServer('identity subgraph when PostgreSQL goes away and comes back (DATABASE_URL)', () => {
  let testDatabase: TestDatabase;
  let proxy: TcpProxy;
  let running: { service: IdentityService; url: string };

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    const target = new URL(testDatabase.url!);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(testDatabase.url!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(await freePort());
    running = await startOn(viaProxy.toString());
    proxyPort = Number(viaProxy.port);
  });
  let proxyPort: number;
  afterAll(async () => {
    await running.service.close();
    await proxy.close();
    await testDatabase.close();
  });

  it('serves DATABASE_UNAVAILABLE before the database is reachable, then migrates and serves once it is', async () => {
    expect(await queryUser(running.url, 'usr-acme-00001')).toEqual({ data: { user: null }, errors: UNAVAILABLE });
    expect((await running.service.readiness()).ready).toBe(false);

    await proxy.open(proxyPort);
    expect(await running.service.readiness()).toEqual({ ready: true, checks: { database: 'ok' } });
    expect(await queryUser(running.url, 'usr-acme-00001')).toEqual({ data: { user: { uid: 'usr-acme-00001' } } });
  });

  it('answers DATABASE_UNAVAILABLE when connections are cut under it, without crashing, and recovers', async () => {
    await proxy.close();
    expect(await queryUser(running.url, 'usr-acme-00001')).toEqual({ data: { user: null }, errors: UNAVAILABLE });
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);

    await proxy.open(proxyPort);
    expect(await queryUser(running.url, 'usr-acme-00001')).toEqual({ data: { user: { uid: 'usr-acme-00001' } } });
  });
});
