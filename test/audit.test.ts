import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createWebSocketClient } from 'graphql-ws';
import WebSocket from 'ws';
import { generateDemoData } from '../demo-data';
import type { AuditRecord } from '../gateway/src/audit';
import type { Gateway } from '../gateway/src/server';
import { postGraphQL, startGraph, type Graph, type GraphQLResponse } from './support/graph';
import { eventually } from './support/raw-http';

const DEMO_DATA_SCALE = 0.1;
const demo = generateDemoData({ scale: DEMO_DATA_SCALE });
/** Another user than the caller, owning a device with findings, so the variable's value is recognisable. */
const looked = demo.identity.users.find(
  (u) => u.tenant === 'acme' && u.uid !== 'usr-acme-00001' && u.email !== null && demo.assets.some((a) => a.ownerUid === u.uid && a.kind === 'DEVICE' && a.vulnerabilities.length > 0),
)!;
const SECRET_GROUP = 'grp-audit-marker-4b1d9e';

const PROBE = `query AuditProbe($uid: ID!, $group: ID) {
  user(uid: $uid) { uid email ownedAssets(first: 20) { edges { node { uid ... on Device { vulnerabilities(first: 3) { totalCount } } } } } }
  users(first: 1, filter: { groupUid: $group }) { totalCount }
}`;

let graph: Graph;
let dataDir: string;

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: DEMO_DATA_SCALE });
  dataDir = mkdtempSync(join(tmpdir(), 'palisade-audit-'));
});

afterAll(async () => {
  await graph?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `send` against a gateway that audits into a fresh file, stops it (which flushes the file) and returns the lines. */
async function auditedLines(name: string, send: (url: string) => Promise<void>, env: Record<string, string> = {}): Promise<string[]> {
  const file = join(dataDir, `${name}.log`);
  const { gateway, url }: { gateway: Gateway; url: string } = await graph.startGateway({ ...env, AUDIT_LOG: file });
  try {
    await send(url);
  } finally {
    await gateway.close();
  }
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
}

/** The records auditedLines(name) has written so far (the sink writes every 50 ms), while its gateway runs. */
function recordsSoFar(name: string): AuditRecord[] {
  const file = join(dataDir, `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as AuditRecord) : [];
}

/** A WebSocket subscription's handlers for a test that reads the audit trail, not the events. */
const IGNORED = { next: () => undefined, error: () => undefined, complete: () => undefined };

describe('the audit trail (AUDIT_LOG=<file>)', () => {
  it('writes one JSON line per operation: who, what, which sensitive fields were read and which denied, never a token or a variable', async () => {
    const token = await graph.token({ clientId: 'analyst-console', scopes: ['identity:read', 'pii:read', 'assets:read'] });
    let requestId: string | null = null;
    const lines = await auditedLines('operation', async (url) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: PROBE, operationName: 'AuditProbe', variables: { uid: looked.uid, group: SECRET_GROUP } }),
      });
      requestId = response.headers.get('x-request-id');
      const body = (await response.json()) as GraphQLResponse['body'];
      // The operation did what the line says: the email was read and the findings were withheld.
      expect(body.data!.user.email).toBe(looked.email);
      expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })]);
    });

    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]) as AuditRecord;
    expect(record).toEqual({
      time: expect.any(String),
      requestId,
      sub: 'usr-acme-00001',
      clientId: 'analyst-console',
      kind: 'user',
      tenant: 'acme',
      operationName: 'AuditProbe',
      operationId: createHash('sha256').update(PROBE).digest('hex'),
      sensitiveFieldsRead: expect.arrayContaining(['User.email']),
      deniedFields: [expect.stringMatching(/^(Device|Asset)\.vulnerabilities$/)],
      outcome: 'partial',
      errorCodes: ['UNAUTHORIZED_FIELD_OR_TYPE'],
      durationMs: expect.any(Number),
    });
    expect(requestId).toEqual(expect.any(String));
    expect(Date.now() - Date.parse(record.time)).toBeLessThan(60_000);
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(record.sensitiveFieldsRead).not.toContainEqual(expect.stringMatching(/vulnerabilities/));

    const [, , signature] = token.split('.');
    for (const secret of [token, signature, looked.uid, SECRET_GROUP]) expect(lines[0]).not.toContain(secret);
  });

  it('writes a line with outcome unauthenticated, and without the token, for a refused token', async () => {
    const genuine = await graph.token();
    const forged = `${genuine.slice(0, -8)}AAAAAAAA`;
    const lines = await auditedLines('unauthenticated', async (url) => {
      const { status } = await postGraphQL(url, '{ users(first: 1) { totalCount } }', undefined, forged);
      expect(status).toBe(401);
    });

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ outcome: 'unauthenticated', sub: null, tenant: null, errorCodes: ['UNAUTHENTICATED'] });
    const [header, payload] = forged.split('.');
    for (const part of [forged, header, payload, 'AAAAAAAA']) expect(lines[0]).not.toContain(part);
  });

  it('writes a subscribed line when a subscription starts and an ended line, with why, when it ends, over WebSocket and event streams', async () => {
    const records = () => recordsSoFar('subscriptions');
    const lasting = await graph.token({ scopes: ['incidents:read'] });
    const shortLived = await graph.token({ sub: 'usr-acme-00002', scopes: ['incidents:read'], expiresIn: '2s' });
    const connections: Array<{ dispose(): unknown }> = [];
    const subscribe = (url: string, token: string, operationName: string) => {
      const client = createWebSocketClient({ url: url.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      connections.push(client);
      return client.subscribe({ query: `subscription ${operationName} { incidentChanged { id } }`, operationName }, IGNORED);
    };
    const lines = await auditedLines('subscriptions', async (url) => {
      try {
        const complete = subscribe(url, lasting, 'CompletedByTheClient');
        subscribe(url, shortLived, 'OutlivesItsToken');
        const eventStream = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${lasting}` },
          body: JSON.stringify({ query: 'subscription LeftByTheClient { incidentChanged { id } }' }),
        });
        await eventually(() => records().filter((record) => record.outcome === 'subscribed').length === 3);
        complete();
        await eventStream.body!.cancel();
        await eventually(() => records().filter((record) => record.outcome === 'ended').length === 3, 15_000);
      } finally {
        for (const connection of connections) await connection.dispose();
      }
    });

    const written = lines.map((line) => JSON.parse(line) as AuditRecord);
    const lifeOf = (operationName: string) => written.filter((record) => record.operationName === operationName).map(({ outcome, endReason, sub, tenant }) => ({ outcome, endReason, sub, tenant }));
    expect(lifeOf('CompletedByTheClient')).toEqual([
      { outcome: 'subscribed', endReason: undefined, sub: 'usr-acme-00001', tenant: 'acme' },
      { outcome: 'ended', endReason: 'completed by the client', sub: 'usr-acme-00001', tenant: 'acme' },
    ]);
    expect(lifeOf('OutlivesItsToken')).toEqual([
      { outcome: 'subscribed', endReason: undefined, sub: 'usr-acme-00002', tenant: 'acme' },
      { outcome: 'ended', endReason: 'token expired', sub: 'usr-acme-00002', tenant: 'acme' },
    ]);
    expect(lifeOf('LeftByTheClient')).toEqual([
      { outcome: 'subscribed', endReason: undefined, sub: 'usr-acme-00001', tenant: 'acme' },
      { outcome: 'ended', endReason: 'completed by the client', sub: 'usr-acme-00001', tenant: 'acme' },
    ]);
    // A subscription's two lines share its request id; each subscription has its own.
    const ids = (operationName: string) => new Set(written.filter((record) => record.operationName === operationName).map((record) => record.requestId));
    expect(ids('CompletedByTheClient').size).toBe(1);
    expect(ids('OutlivesItsToken').size).toBe(1);
    expect(ids('LeftByTheClient').size).toBe(1);
    expect(new Set(written.map((record) => record.requestId)).size).toBe(3);
    expect(written).toHaveLength(6);
  });

  it('writes an ended line for a subscription refused over its bound after its subscribed line, so that none looks open for ever', async () => {
    const token = await graph.token({ scopes: ['incidents:read'] });
    let refusal: unknown;
    const lines = await auditedLines(
      'refused-subscription',
      async (url) => {
        const client = createWebSocketClient({ url: url.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
        try {
          client.subscribe({ query: 'subscription Kept { incidentChanged { id } }' }, IGNORED);
          // Registered by the time its line is written: the second one then finds the bound taken.
          await eventually(() => recordsSoFar('refused-subscription').some((record) => record.operationName === 'Kept'));
          refusal = await new Promise((resolve) => client.subscribe({ query: 'subscription OverTheBound { incidentChanged { id } }' }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) }));
        } finally {
          await client.dispose();
        }
      },
      { CLIENT_POLICIES: JSON.stringify({ user: { subscriptions: { perCaller: 1 } } }) },
    );

    expect((refusal as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('SUBSCRIPTION_LIMIT_EXCEEDED');
    const overTheBound = lines.map((line) => JSON.parse(line) as AuditRecord).filter((record) => record.operationName === 'OverTheBound');
    expect(overTheBound.map(({ outcome, endReason }) => ({ outcome, endReason }))).toEqual([
      { outcome: 'subscribed', endReason: undefined },
      { outcome: 'ended', endReason: 'refused: At most 1 subscriptions per user caller; end one first' },
    ]);
  });

  it('writes ended with the shutdown as the reason for the subscriptions open when the gateway stops', async () => {
    const token = await graph.token({ scopes: ['incidents:read'] });
    let webSocket: ReturnType<typeof createWebSocketClient> | undefined;
    const lines = await auditedLines('shutdown', async (url) => {
      webSocket = createWebSocketClient({ url: url.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      webSocket.subscribe({ query: 'subscription OpenOverWebSocket { incidentChanged { id } }' }, IGNORED);
      const eventStream = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'subscription OpenOverEventStream { incidentChanged { id } }' }),
      });
      eventStream.body!.getReader().read().catch(() => undefined);
      await eventually(() => recordsSoFar('shutdown').filter((record) => record.outcome === 'subscribed').length === 2);
    });
    await webSocket?.dispose();

    const ends = lines.map((line) => JSON.parse(line) as AuditRecord).filter((record) => record.outcome === 'ended');
    expect(ends.map(({ operationName, endReason }) => ({ operationName, endReason })).sort((a, b) => a.operationName!.localeCompare(b.operationName!))).toEqual([
      { operationName: 'OpenOverEventStream', endReason: 'gateway shutting down' },
      { operationName: 'OpenOverWebSocket', endReason: 'gateway shutting down' },
    ]);
  });
});
