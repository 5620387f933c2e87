import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../../../lib/principal';
import { deliveryEndpoint } from '../delivery-endpoint';
import { FileDeadLetters, type DeadLetterLine } from '../../../lib/ingestion/dead-letters';
import { IngestionMetrics } from '../metrics';
import { deviceEvent, RecordingWriter } from './recording-writer';

const secret = Buffer.from('a-test-principal-secret-of-at-least-32-characters');
const intake: Principal = { sub: 'scanner', tenant: 'acme', kind: 'script', scopes: ['ingest:write'] };

describe('the embedded delivery endpoint, POST /ingest/<class_uid>', () => {
  let server: Server;
  let url: string;
  let writer: RecordingWriter;
  let directory: string;
  let deadLetterFile: string;

  beforeEach(async () => {
    writer = new RecordingWriter();
    directory = mkdtempSync(join(tmpdir(), 'palisade-delivery-'));
    deadLetterFile = join(directory, 'dead-letters.ndjson');
    const routes = deliveryEndpoint({
      service: 'assets',
      writers: new Map([[5001, writer]]) as never,
      principalSecret: secret,
      deadLetters: new FileDeadLetters(deadLetterFile),
      metrics: new IngestionMetrics(new Registry()),
      logger: pino({ level: 'silent' }),
      maxDeliver: 3,
      maxInFlight: 1,
      maxWaiting: 1,
      retryDelayMs: 1,
    });
    // One path per class taken; the handler behind them is one, and refuses a class it does not take by itself.
    expect(Object.keys(routes)).toEqual(['/ingest/5001']);
    const handle = routes['/ingest/5001'];
    server = createServer((request, response) => void handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  function deliver(events: unknown[], options: { path?: string; principal?: Principal | null; contentType?: string; body?: string } = {}) {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
    const principal = options.principal === undefined ? intake : options.principal;
    if (principal) headers[PRINCIPAL_HEADER] = signPrincipal(principal, secret);
    return fetch(`${url}${options.path ?? '/ingest/5001'}`, { method: 'POST', headers, body: options.body ?? JSON.stringify({ events }) });
  }

  it('applies the events of the signed tenant in one write and answers one result per event, in order', async () => {
    const response = await deliver([deviceEvent(1), { ...deviceEvent(2), time: 'yesterday' }, deviceEvent(3)]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      results: [
        { status: 'applied' },
        { status: 'rejected', code: 'INVALID_FIELD', message: 'time must be an integer number of milliseconds since the epoch (when the event happened; OCSF timestamp_t)' },
        { status: 'applied' },
      ],
    });
    expect(writer.batchSizes).toEqual([2]);
  });

  it('tries an event the store refuses up to the bound, then writes it to the dead letters with the reason', async () => {
    writer.poisoned.add('device-2');
    const response = await deliver([deviceEvent(1), deviceEvent(2)]);
    const { results } = (await response.json()) as { results: Array<{ status: string; code?: string; message?: string }> };
    expect(results[0]).toEqual({ status: 'applied' });
    expect(results[1]).toMatchObject({ status: 'rejected', code: 'DEAD_LETTERED', message: expect.stringContaining('failed 3 times: Error: the test store refuses device device-2') });
    // The batch, the two events alone, and two more attempts at the one that failed.
    expect(writer.batchSizes).toEqual([2, 1, 1, 1, 1]);
    const lines = readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as DeadLetterLine);
    expect(lines).toEqual([
      {
        deadLetter: { classUid: 5001, tenant: 'acme', code: 'DEAD_LETTERED', reason: 'failed 3 times: Error: the test store refuses device device-2', deliveries: 3, consumer: 'assets-5001', failedAt: expect.any(String) },
        event: deviceEvent(2),
      },
    ]);
  });

  it('answers 503 with Retry-After when the store is unavailable, having applied nothing', async () => {
    writer.unavailableCalls = 1;
    const response = await deliver([deviceEvent(1)]);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });
    expect(writer.applied.size).toBe(0);
  });

  it('answers 429 with Retry-After when as many batches are being written and waiting as it allows', async () => {
    let release!: () => void;
    writer.hold = new Promise((resolve) => (release = resolve));
    const writing = deliver([deviceEvent(1)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = deliver([deviceEvent(2)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await deliver([deviceEvent(3)]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    release();
    expect([(await writing).status, (await waiting).status]).toEqual([200, 200]);
    expect([...writer.applied.keys()].sort()).toEqual(['event-1', 'event-2']);
  });

  it('refuses what is not a signed delivery of a class it takes, with a code and a reason, before writing anything', async () => {
    const cases: Array<[Promise<Response>, number, string]> = [
      [deliver([deviceEvent(1)], { principal: null }), 401, 'UNAUTHENTICATED'],
      [deliver([deviceEvent(1)], { principal: { ...intake, scopes: ['assets:read'] } }), 403, 'FORBIDDEN'],
      [deliver([deviceEvent(1)], { path: '/ingest/5003' }), 404, 'NOT_FOUND'],
      [deliver([deviceEvent(1)], { contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [deliver([], { body: '{"events":' }), 400, 'BAD_REQUEST'],
      [deliver([], { body: '{"events": {}}' }), 400, 'BAD_REQUEST'],
      [deliver([deviceEvent(1)], { principal: { ...intake, tenant: 'ac.me' } }), 400, 'BAD_REQUEST'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      expect({ status: response.status, body: await response.json() }).toEqual({ status, body: { error: { code, message: expect.any(String) } } });
    }
    expect(writer.batchSizes).toEqual([]);
  });
});
