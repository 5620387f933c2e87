import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleEvents, sampleLines } from '../../examples/ocsf/samples';
import { deadLetterFileOf, type DeadLetterLine } from '../../lib/ingestion/dead-letters';
import { startGraph, type Graph } from '../../test/support/graph';
import { eventually } from '../../test/support/raw-http';
import { MAX_LINE_BYTES } from '../src/ndjson';
import { ingestToken, postEvents, SAMPLE_ANSWER, SAMPLE_QUERY, startIngest, type StartedIngest } from './support';

/**
 * The intake on the embedded path (no NATS_URL): real subgraphs on their embedded stores (identity on
 * PostgreSQL when DATABASE_URL is set), events delivered to them over HTTP, and the gateway showing the result.
 */
describe('ingest: POST /v1/events on the embedded path', () => {
  let graph: Graph;
  let ingest: StartedIngest;
  let token: string;
  let auditDir: string;

  beforeAll(async () => {
    auditDir = mkdtempSync(join(tmpdir(), 'palisade-ingest-audit-'));
    graph = await startGraph({ demoDataScale: 0.05, ingestion: { transport: 'http', maxDeliver: 2 } });
    ingest = await startIngest(graph, { AUDIT_LOG: join(auditDir, 'audit.log'), INGEST_MAX_EVENTS: '50' });
    token = await ingestToken(graph);
  });

  afterAll(async () => {
    await ingest?.close();
    await graph?.close();
    rmSync(auditDir, { recursive: true, force: true });
  });

  const samples = () => [...sampleLines(5003), ...sampleLines(5001), ...sampleLines(2002), ...sampleLines(2004)];

  it('takes the sample events of every class, gzip-compressed, and the gateway shows the users, devices, cloud resource and findings', async () => {
    const before = await graph.request(SAMPLE_QUERY);
    expect(before.body.data).toEqual({ dana: null, web: null, laptop: null, bastion: null });

    const response = await postEvents(ingest.eventsUrl, token, samples(), { gzip: true });
    expect(response).toMatchObject({ status: 200, body: { accepted: 13, rejected: [] } });
    const after = await graph.request(SAMPLE_QUERY);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual(SAMPLE_ANSWER);
  });

  it('changes nothing when the whole batch is sent again', async () => {
    const before = await graph.request(SAMPLE_QUERY);
    const again = await postEvents(ingest.eventsUrl, token, samples());
    expect(again.body).toEqual({ accepted: 13, rejected: [] });
    expect((await graph.request(SAMPLE_QUERY)).body).toEqual(before.body);
  });

  it('lists each malformed or invalid line by its number and reason, and takes the good lines around them', async () => {
    const [device] = sampleEvents(5001);
    const good = (n: number) => ({ ...device, metadata: { uid: `mixed-${n}` }, device: { ...device.device, uid: `mixed-${n}`, hostname: `mixed-${n}.acme.example` } });
    const response = await postEvents(ingest.eventsUrl, token, [
      good(1),
      '{"class_uid": 5001, "time": ',
      '',
      { ...good(2), device: { hostname: 'no-uid' } },
      good(3),
      { ...good(4), class_uid: 4001 },
      good(5),
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accepted: 3,
      rejected: [
        { line: 2, code: 'MALFORMED_JSON', message: 'the line is not JSON: each line holds one OCSF event as a JSON object' },
        { line: 4, code: 'MISSING_FIELD', message: "device.uid is required: the device's unique id, which Palisade keys it by" },
        { line: 6, code: 'UNSUPPORTED_CLASS', message: expect.stringMatching(/^class_uid 4001 is not taken here; Palisade takes 2002 \(Vulnerability Finding\), 2004 \(Detection Finding\), 5001/) },
      ],
    });
    const { body } = await graph.request('{ a: asset(uid: "mixed-1") { uid } b: asset(uid: "mixed-3") { uid } c: asset(uid: "mixed-5") { uid } }');
    expect(body.data).toEqual({ a: { uid: 'mixed-1' }, b: { uid: 'mixed-3' }, c: { uid: 'mixed-5' } });
  });

  it('refuses a line over 256 KiB alone, and a body over INGEST_MAX_BODY_BYTES whole, compressed or not', async () => {
    const [device] = sampleEvents(5001);
    const good = { ...device, metadata: { uid: 'beside-large' }, device: { ...device.device, uid: 'beside-large' } };
    const large = { ...good, metadata: { uid: 'large' }, message: 'x'.repeat(MAX_LINE_BYTES) };
    const mixed = await postEvents(ingest.eventsUrl, token, [good, large]);
    expect(mixed.status).toBe(200);
    expect(mixed.body).toEqual({ accepted: 1, rejected: [{ line: 2, code: 'LINE_TOO_LARGE', message: expect.stringContaining(`${MAX_LINE_BYTES} bytes`) }] });

    const overBody = 'x'.repeat(10 * 1024 * 1024 + 1);
    for (const gzip of [false, true]) {
      const refused = await postEvents(ingest.eventsUrl, token, [overBody], { gzip });
      expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  it("refuses an event whose body names another tenant, and writes nothing into that tenant or the token's", async () => {
    const [device] = sampleEvents(5001);
    const spoofed = { ...device, metadata: { ...device.metadata, uid: 'spoof-1', tenant_uid: 'globex' }, device: { ...device.device, uid: 'spoofed-device' } };
    const response = await postEvents(ingest.eventsUrl, token, [spoofed, { ...spoofed, metadata: { uid: 'spoof-2' }, unmapped: { tenant: 'globex' } }]);
    expect(response.body).toEqual({
      accepted: 0,
      rejected: [
        { line: 1, code: 'TENANT_MISMATCH', message: expect.stringContaining('metadata.tenant_uid names another tenant than the one this event is delivered for (acme)') },
        { line: 2, code: 'TENANT_MISMATCH', message: expect.stringContaining('unmapped.tenant names another tenant') },
      ],
    });
    for (const tenant of ['acme', 'globex']) {
      const { body } = await graph.request('{ asset(uid: "spoofed-device") { uid } }', { token: await graph.token({ tenant, sub: `usr-${tenant}-00001` }) });
      expect(body.data).toEqual({ asset: null });
    }
  });

  it('moves an event the store keeps refusing to the dead letters after the bounded attempts, and reports it by line', async () => {
    // uids are unique across tenants in identity: acme's Dana, sent with globex's token, can never be written.
    const globex = await ingestToken(graph, 'globex');
    const [, dana] = sampleEvents(5003);
    const response = await postEvents(ingest.eventsUrl, globex, [dana, { ...dana, metadata: { uid: 'globex-own' }, user: { uid: 'globex-own-user', full_name: 'Own User' } }]);
    expect(response.body).toEqual({
      accepted: 1,
      rejected: [{ line: 1, code: 'DEAD_LETTERED', message: expect.stringMatching(/^failed 2 times: .*taken by another tenant.*kept in the dead letters/) }],
    });
    const letters = readFileSync(deadLetterFileOf({ PALISADE_DATA_DIR: graph.gatewayEnv.PALISADE_DATA_DIR }), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DeadLetterLine);
    expect(letters).toContainEqual({
      deadLetter: { classUid: 5003, tenant: 'globex', code: 'DEAD_LETTERED', reason: expect.stringContaining('taken by another tenant'), deliveries: 2, consumer: 'identity-5003', failedAt: expect.any(String) },
      event: dana,
    });
    const acme = await graph.request('{ user(uid: "00u1a2b3c4d5e6f7g8h9") { name tenant } }');
    expect(acme.body.data).toEqual({ user: { name: 'Dana Whitfield', tenant: 'acme' } });
  });

  it('refuses a request it cannot take as a whole with a code and a message, and takes nothing of it', async () => {
    const [device] = sampleLines(5001);
    const cases: Array<[Promise<{ status: number; headers: Headers; body: unknown }>, number, string]> = [
      [postEvents(ingest.eventsUrl, null, [device]), 401, 'UNAUTHENTICATED'],
      [postEvents(ingest.eventsUrl, 'not-a-jwt', [device]), 401, 'UNAUTHENTICATED'],
      [postEvents(ingest.eventsUrl, await graph.token(), [device]), 403, 'FORBIDDEN'],
      [postEvents(ingest.eventsUrl, await graph.token({ kind: 'partner', clientId: 'partner-x', scopes: ['ingest:write'] }), [device]), 403, 'FORBIDDEN'],
      [postEvents(ingest.eventsUrl, token, [device], { headers: { 'content-type': 'application/json' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [postEvents(ingest.eventsUrl, token, [device], { headers: { 'content-encoding': 'br' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [postEvents(ingest.eventsUrl, token, [device], { headers: { 'content-encoding': 'gzip' } }), 400, 'BAD_REQUEST'],
      [postEvents(ingest.eventsUrl, token, Array.from({ length: 51 }, () => device)), 413, 'TOO_MANY_EVENTS'],
      [fetch(ingest.eventsUrl, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() })), 405, 'METHOD_NOT_ALLOWED'],
      [fetch(`${ingest.origin}/v2/events`, { method: 'POST' }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() })), 404, 'NOT_FOUND'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      expect({ status: response.status, body: response.body }).toEqual({ status, body: { error: { code, message: expect.any(String) } } });
    }
    const unauthenticated = await postEvents(ingest.eventsUrl, null, [device]);
    expect(unauthenticated.headers.get('www-authenticate')).toBe('Bearer');
    const forbidden = await postEvents(ingest.eventsUrl, await graph.token(), [device]);
    expect(forbidden.body.error?.message).toBe('the token lacks the scope ingest:write, which sending events needs');
    expect(forbidden.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="ingest:write"');
  });

  it('writes one audit line per request: who, which tenant, how much, never an event', async () => {
    const readLines = () =>
      readFileSync(join(auditDir, 'audit.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, any>);
    // The audit sink hands its lines on together, a few milliseconds after the requests.
    await eventually(() => readLines().some((line) => line.status === 401));
    const lines = readLines();
    const first = lines.find((line) => line.accepted === 13);
    expect(first).toMatchObject({
      sub: 'svc-scanner',
      clientId: 'scanner',
      kind: 'script',
      tenant: 'acme',
      status: 200,
      errorCode: null,
      rejected: 0,
      byClass: { 2002: { accepted: 5, rejected: 0 }, 2004: { accepted: 3, rejected: 0 }, 5001: { accepted: 2, rejected: 0 }, 5003: { accepted: 3, rejected: 0 } },
    });
    expect(lines.find((line) => line.status === 401)).toMatchObject({ sub: null, tenant: null, errorCode: 'UNAUTHENTICATED' });
    const text = readFileSync(join(auditDir, 'audit.log'), 'utf8');
    for (const personal of ['dana.whitfield@acme.example', 'Dana Whitfield', 'web-07', 'CVE-2024-3094', 'PowerShell']) expect(text).not.toContain(personal);
  });

  it('counts events by class, outcome and reason on its metrics listener', async () => {
    const text = await (await fetch(ingest.metricsUrl)).text();
    expect(text).toMatch(/palisade_ingest_events_total\{class="2002",outcome="accepted",reason=""\} 10/);
    expect(text).toMatch(/palisade_ingest_events_total\{class="other",outcome="rejected",reason="MALFORMED_JSON"\} 1/);
    expect(text).toMatch(/palisade_ingest_events_total\{class="5003",outcome="rejected",reason="DEAD_LETTERED"\} 1/);
    expect(text).toMatch(/palisade_ingest_requests_total\{outcome="401"\}/);
    const readyz = await fetch(`${ingest.origin}/readyz`);
    expect(readyz.status).toBe(200);
  });
});

describe('ingest: when the subgraphs cannot take the events', () => {
  let graph: Graph;
  let fake: Server;
  let answer: { status: number; headers: Record<string, string> };

  beforeAll(async () => {
    graph = await startGraph({ demoDataScale: 0 });
    fake = createServer((request, response) => {
      request.resume();
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify({ error: { code: 'BUSY', message: 'busy' } }));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => fake?.close(resolve));
    await graph?.close();
  });

  async function intakeBefore(assetsUrl: string) {
    return startIngest({ ...graph, subgraphUrls: { ...graph.subgraphUrls, assets: assetsUrl } }, { INGEST_MAX_IN_FLIGHT: '1' });
  }

  it('answers 429 with the Retry-After of a subgraph that is behind, so that producers slow down', async () => {
    answer = { status: 429, headers: { 'retry-after': '3' } };
    const ingest = await intakeBefore(`http://127.0.0.1:${(fake.address() as AddressInfo).port}/graphql`);
    try {
      const response = await postEvents(ingest.eventsUrl, await ingestToken(graph), sampleLines(5001));
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('3');
      expect(response.body.error).toEqual({ code: 'BACKPRESSURE', message: 'the assets subgraph is behind; send the batch again after 3 s' });
    } finally {
      await ingest.close();
    }
  });

  it('answers 503 with Retry-After when a subgraph does not answer or its store is down', async () => {
    answer = { status: 503, headers: { 'retry-after': '5' } };
    for (const url of [`http://127.0.0.1:${(fake.address() as AddressInfo).port}/graphql`, 'http://127.0.0.1:9/graphql']) {
      const ingest = await intakeBefore(url);
      try {
        const response = await postEvents(ingest.eventsUrl, await ingestToken(graph), sampleLines(5001));
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(response.body.error?.code).toBe('SUBGRAPH_UNAVAILABLE');
      } finally {
        await ingest.close();
      }
    }
  });

  it('answers 429 BUSY to a request beyond the ones it processes at once', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = createServer((request, response) => {
      request.resume();
      void held.then(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ status: 'applied' }, { status: 'applied' }] })));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const ingest = await intakeBefore(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql`);
    try {
      const token = await ingestToken(graph);
      const first = postEvents(ingest.eventsUrl, token, sampleLines(5001));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await postEvents(ingest.eventsUrl, token, sampleLines(5001));
      expect(second.status).toBe(429);
      expect(second.body.error?.code).toBe('BUSY');
      release();
      expect((await first).body).toEqual({ accepted: 2, rejected: [] });
    } finally {
      await ingest.close();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
