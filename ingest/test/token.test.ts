import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleLines } from '../../examples/ocsf/samples';
import { listen } from '../../lib/http-server';
import { createLogger } from '../../lib/logger';
import { readIngestConfig } from '../src/config';
import { createIngestService, type IngestService } from '../src/server';
import { postEvents } from './support';

const root = join(__dirname, '..', '..');

/** `npm run token` as a developer runs it, in a data directory of its own. */
function token(directory: string, ...args: string[]): string {
  const { JWKS_URL, JWKS_FILE, JWT_ISSUER, JWT_AUDIENCE, ...inherited } = process.env;
  const run = spawnSync('npx', ['tsx', 'scripts/token.ts', ...args], { cwd: root, env: { ...inherited, PALISADE_DATA_DIR: directory }, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.trim();
}

describe('a token from npm run token with the scope ingest:write', () => {
  let directory: string;
  let subgraph: Server;
  let service: IngestService;
  let url: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'palisade-ingest-token-'));
    // A stand-in for the assets subgraph, which takes whatever it is given.
    subgraph = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { events } = JSON.parse(body) as { events: unknown[] };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: events.map(() => ({ status: 'applied' })) }));
      });
    });
    await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
    const config = readIngestConfig({ PALISADE_DATA_DIR: directory, SUBGRAPH_ASSETS_URL: `http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`, AUDIT_LOG: 'off' });
    service = await createIngestService(config, createLogger('ingest', 'silent'));
    url = `http://127.0.0.1:${(await listen(service.httpServer, 0, '127.0.0.1')).port}/v1/events`;
  });

  afterAll(async () => {
    await service?.close();
    await new Promise((resolve) => subgraph?.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  it('sends events to the intake, for the tenant it names; without the scope it is refused', async () => {
    const ingest = token(directory, '--sub', 'svc-scanner', '--tenant', 'acme', '--scopes', 'ingest:write', '--kind', 'script');
    expect(await postEvents(url, ingest, sampleLines(5001))).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const reader = token(directory, '--sub', 'alice', '--tenant', 'acme', '--scopes', 'assets:read');
    expect((await postEvents(url, reader, sampleLines(5001))).status).toBe(403);
  });
});
