import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloClient, gql, InMemoryCache } from '@apollo/client/core/core.cjs';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions/subscriptions.cjs';
import { createClient as createWebSocketClient, type Client as WebSocketClient } from 'graphql-ws';
import { createClient as createEventStreamClient } from 'graphql-sse';
import WebSocket from 'ws';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ALL_READ_SCOPES, readOperation, startGraph, type Graph } from './support/graph';

/**
 * Live incidents through the gateway: real clients over real sockets (graphql-ws, graphql-sse, Apollo Client's
 * GraphQLWsLink), events resolved through the federated graph with each subscriber's scopes and tenant.
 */

const ALL = [...ALL_READ_SCOPES, 'incidents:write'];
const CHANGES = readOperation('IncidentChanges');
const root = join(__dirname, '..');
const PARTNER_CHANGES_ID = (JSON.parse(readFileSync(join(root, 'schema', 'persisted-queries', 'clients', 'partner-x.json'), 'utf8')) as { operations: Array<{ id: string; name: string }> }).operations.find((o) => o.name === 'PartnerIncidentChanges')!.id;

type Payload = { data?: { incidentChanged?: any } | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };

let graph: Graph;
let writer: string;
const clients: Array<{ dispose(): unknown }> = [];

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: 0.05 });
  writer = await graph.token({ scopes: ALL });
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});

afterAll(async () => {
  await graph?.close();
});

/** An acme incident that joins every subgraph: an assignee (identity) and affected assets (assets). */
async function linkedIncident(): Promise<string> {
  const { body } = await graph.request('{ incidents(first: 50) { edges { node { uid assignee { uid } affectedAssets { asset { uid } } } } } }', { token: writer });
  const edge = body.data!.incidents.edges.find((e: any) => e.node.assignee && e.node.affectedAssets.length > 0);
  return edge.node.uid as string;
}

async function addNote(uid: string, note: string): Promise<void> {
  const { body } = await graph.request(`mutation { addIncidentNote(uid: "${uid}", note: "${note}") { uid } }`, { token: writer });
  expect(body.errors).toBeUndefined();
}

function webSocketClient(connectionParams: Record<string, unknown>, url = graph.url): WebSocketClient {
  const client = createWebSocketClient({ url: url.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
  clients.push(client);
  return client;
}

/**
 * Opens a WebSocket connection and resolves once the gateway acknowledged its connection_init; rejects with the
 * close event when the gateway closes it instead.
 */
function connectWebSocket(token: string, url = graph.url): Promise<WebSocketClient> {
  const client = createWebSocketClient({
    url: url.replace('http:', 'ws:'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.on('connected', () => resolve(client));
    client.on('closed', reject);
  });
}

/** Connects, trying again for a few seconds while the gateway refuses with 4429. */
async function eventuallyConnects(token: string, url: string): Promise<WebSocketClient> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await connectWebSocket(token, url);
    } catch (closed) {
      if ((closed as { code?: number }).code !== 4429 || Date.now() > deadline) throw closed;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Subscribes and records what arrives, until `until` holds or the time is up. */
function record(subscribe: (sink: { next(value: Payload): void; error(error: unknown): void; complete(): void }) => () => void) {
  const received: Payload[] = [];
  const ended: { error?: unknown; completed: boolean } = { completed: false };
  let notify = () => undefined as void;
  const stop = subscribe({
    next: (value) => {
      received.push(value);
      notify();
    },
    error: (error) => {
      ended.error = error;
      notify();
    },
    complete: () => {
      ended.completed = true;
      notify();
    },
  });
  const until = (condition: () => boolean, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; received ${JSON.stringify(received)} ended ${JSON.stringify(ended)}`)), timeoutMs);
      const check = () => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        }
      };
      notify = check;
      check();
    });
  return { received, ended, until, stop };
}

/** Lets the subscription register before the change it waits for is made. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('subscriptions over WebSocket (graphql-transport-ws)', () => {
  it('delivers a change with fields from all three subgraphs, the token in connection_init', async () => {
    const client = webSocketClient({ authorization: `Bearer ${writer}` });
    const uid = await linkedIncident();
    const events = record((sink) => client.subscribe({ query: CHANGES }, sink));
    await settle();
    await addNote(uid, 'contained on the firewall');
    await events.until(() => events.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    const event = events.received.find((e) => e.data?.incidentChanged?.incident.uid === uid)!;
    expect(event.errors).toBeUndefined();
    expect(event.data!.incidentChanged).toMatchObject({ kind: 'NOTE_ADDED', id: expect.stringContaining(uid), incident: { uid, assignee: { name: expect.any(String), groups: expect.any(Array) } } });
    expect(event.data!.incidentChanged.incident.affectedAssets.some((a: any) => a.asset && 'owner' in a.asset)).toBe(true);
    events.stop();
  });

  it('takes the token from the upgrade request too', async () => {
    const client = createWebSocketClient({
      url: graph.url.replace('http:', 'ws:'),
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { authorization: `Bearer ${writer}` } });
        }
      },
      retryAttempts: 0,
    });
    clients.push(client);
    const uid = await linkedIncident();
    const events = record((sink) => client.subscribe({ query: 'subscription { incidentChanged { incident { uid } } }' }, sink));
    await settle();
    await addNote(uid, 'seen through the upgrade header');
    await events.until(() => events.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    events.stop();
  });

  it("never tells a globex subscriber of an acme change, not even that it happened", async () => {
    const globex = await graph.token({ sub: 'usr-globex-00001', tenant: 'globex', scopes: ALL });
    const acmeEvents = record((sink) => webSocketClient({ authorization: `Bearer ${writer}` }).subscribe({ query: 'subscription { incidentChanged { id incident { uid tenant } } }' }, sink));
    const globexEvents = record((sink) => webSocketClient({ authorization: `Bearer ${globex}` }).subscribe({ query: 'subscription { incidentChanged { id incident { uid tenant } } }' }, sink));
    await settle();
    const uid = await linkedIncident();
    await addNote(uid, 'acme only');
    await acmeEvents.until(() => acmeEvents.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    // The acme event was resolved and delivered; the globex subscriber, on the same gateway, got nothing at all.
    await settle();
    expect(globexEvents.received).toEqual([]);
    acmeEvents.stop();
    globexEvents.stop();
  });

  it("resolves each event with the subscriber's scopes: a field it lacks is null with UNAUTHORIZED_FIELD_OR_TYPE", async () => {
    const withoutIdentity = await graph.token({ scopes: ['incidents:read', 'assets:read'] });
    const events = record((sink) => webSocketClient({ authorization: `Bearer ${withoutIdentity}` }).subscribe({ query: 'subscription { incidentChanged { incident { uid assignee { name } } } }' }, sink));
    await settle();
    const uid = await linkedIncident();
    await addNote(uid, 'scopes per event');
    await events.until(() => events.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    const event = events.received.find((e) => e.data?.incidentChanged?.incident.uid === uid)!;
    expect(event.data!.incidentChanged.incident.assignee).toBeNull();
    expect(event.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    events.stop();
  });

  it('refuses at subscribe time a subscription the token may not read at all', async () => {
    const noIncidents = await graph.token({ scopes: ['identity:read'] });
    const events = record((sink) => webSocketClient({ authorization: `Bearer ${noIncidents}` }).subscribe({ query: 'subscription { incidentChanged { id } }' }, sink));
    await events.until(() => events.ended.error !== undefined);
    expect((events.ended.error as Array<{ extensions: { code: string; requiredScopes: string[][] } }>)[0].extensions).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', requiredScopes: [['incidents:read']] });
  });

  it("answers with its errors an unknown persisted id and a query's unreadable field, instead of failing the socket", async () => {
    // APQ answers an unknown id with PERSISTED_QUERY_NOT_FOUND and HTTP 200; a query's unreadable field is null with its error.
    const withoutPii = await graph.token({ scopes: ['incidents:read', 'identity:read'] });
    const client = webSocketClient({ authorization: `Bearer ${withoutPii}` });
    const unknownId = record((sink) => client.subscribe({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }, sink));
    await unknownId.until(() => unknownId.ended.completed);
    expect(unknownId.received.map((result) => result.errors?.[0].extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const partial = record((sink) => client.subscribe({ query: '{ incidents(first: 1) { edges { node { uid assignee { email } } } } }' }, sink));
    await partial.until(() => partial.ended.completed);
    expect(partial.received).toHaveLength(1);
    expect(partial.received[0].data).toBeDefined();
    expect(partial.received[0].errors?.map((error) => error.extensions?.code)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(partial.ended.error).toBeUndefined();
  });

  it('closes a connection whose token is refused, with 4401 and the reason', async () => {
    const client = webSocketClient({ authorization: 'Bearer not-a-token' });
    const events = record((sink) => client.subscribe({ query: 'subscription { incidentChanged { id } }' }, sink));
    await events.until(() => events.ended.error !== undefined);
    expect(events.ended.error).toMatchObject({ code: 4401, reason: expect.stringContaining('malformed token') });
  });

  it('ends a subscription when its token expires, with UNAUTHENTICATED', async () => {
    const shortLived = await graph.token({ scopes: ALL, expiresIn: '2s' });
    const events = record((sink) => webSocketClient({ authorization: `Bearer ${shortLived}` }).subscribe({ query: 'subscription { incidentChanged { id } }' }, sink));
    await events.until(() => events.ended.completed, 10_000);
    expect(events.received.at(-1)?.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('applies the operation limits and cost at subscribe time', async () => {
    const deep = 'subscription { incidentChanged { incident { assignee { groups { members(first: 100) { edges { node { incidents(first: 100) { edges { node { assignee { groups { name } } } } } } } } } } } } }';
    const events = record((sink) => webSocketClient({ authorization: `Bearer ${writer}` }).subscribe({ query: deep }, sink));
    await events.until(() => events.ended.error !== undefined);
    expect(['OPERATION_LIMIT_EXCEEDED', 'COST_ESTIMATED_TOO_EXPENSIVE']).toContain((events.ended.error as Array<{ extensions: { code: string } }>)[0].extensions.code);
  });

  it('bounds subscriptions per connection', async () => {
    const strict = await graph.startGateway({ CLIENT_POLICIES: JSON.stringify({ user: { subscriptions: { perConnection: 2 } } }) });
    const client = webSocketClient({ authorization: `Bearer ${writer}` }, strict.url);
    const subscriptions = Array.from({ length: 3 }, () => record((sink) => client.subscribe({ query: 'subscription { incidentChanged { id } }' }, sink)));
    await subscriptions[2].until(() => subscriptions[2].ended.error !== undefined);
    expect((subscriptions[2].ended.error as Array<{ extensions: { code: string; limit: string } }>)[0].extensions).toMatchObject({ code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: 'perConnection' });
    for (const subscription of subscriptions) subscription.stop();
  });

  it("bounds a caller's connections: one over the bound is closed with 4429 and says what to do; others of the tenant still connect; closing one frees a place", async () => {
    const bounded = await graph.startGateway({ CLIENT_POLICIES: JSON.stringify({ user: { subscriptions: { connectionsPerCaller: 2 } } }) });
    const first = await connectWebSocket(writer, bounded.url);
    await connectWebSocket(writer, bounded.url);
    await expect(connectWebSocket(writer, bounded.url)).rejects.toMatchObject({ code: 4429, reason: 'At most 2 connections per user caller; close one first' });

    const colleague = await graph.token({ sub: 'usr-acme-00002', scopes: ALL });
    await connectWebSocket(colleague, bounded.url);

    await first.dispose();
    // The gateway counts the connection closed once it sees the socket close, a moment after the client does.
    await eventuallyConnects(writer, bounded.url);
  });

  it('bounds a partner to 2 connections by default', async () => {
    const partner = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read'] });
    await connectWebSocket(partner);
    await connectWebSocket(partner);
    await expect(connectWebSocket(partner)).rejects.toMatchObject({ code: 4429, reason: 'At most 2 connections per partner caller; close one first' });
  });

  it('delivers an event with the fields of a subgraph that is down as null and DOWNSTREAM_SERVICE_ERROR', async () => {
    const events = record((sink) => webSocketClient({ authorization: `Bearer ${writer}` }).subscribe({ query: CHANGES }, sink));
    await settle();
    const uid = await linkedIncident();
    await graph.stopSubgraph('assets');
    try {
      await addNote(uid, 'assets is down');
      await events.until(() => events.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    } finally {
      await graph.startSubgraph('assets');
    }
    const event = events.received.find((e) => e.data?.incidentChanged?.incident.uid === uid)!;
    expect(event.data!.incidentChanged.incident.assignee).not.toBeNull();
    expect(event.errors?.map((error) => error.extensions)).toContainEqual(expect.objectContaining({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'assets' }));
    events.stop();
  });

  it('closes every connection with Service Restart (1012) when the gateway stops, so clients reconnect elsewhere', async () => {
    const stopping = await graph.startGateway();
    const client = webSocketClient({ authorization: `Bearer ${writer}` }, stopping.url);
    const events = record((sink) => client.subscribe({ query: 'subscription { incidentChanged { id } }' }, sink));
    await settle();
    await stopping.gateway.close();
    await events.until(() => events.ended.error !== undefined);
    expect(events.ended.error).toMatchObject({ code: 1012 });
  });
});

describe('subscriptions over Server-Sent Events (graphql-sse, distinct connections)', () => {
  it('delivers a change, the token in the Authorization header, each event with its id', async () => {
    const client = createEventStreamClient({ url: graph.url, headers: { authorization: `Bearer ${writer}` }, retryAttempts: 0 });
    clients.push(client);
    const uid = await linkedIncident();
    const events = record((sink) => client.subscribe<NonNullable<Payload['data']>>({ query: CHANGES }, sink as never));
    await settle();
    await addNote(uid, 'over SSE');
    await events.until(() => events.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    expect(events.received.find((e) => e.data?.incidentChanged?.incident.uid === uid)!.data!.incidentChanged.incident.assignee.name).toEqual(expect.any(String));
    events.stop();
  });

  it('resumes after a reconnect with Last-Event-ID: the events missed meanwhile come first', async () => {
    const uid = await linkedIncident();
    const open = (lastEventId?: string) =>
      fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${writer}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        body: JSON.stringify({ query: 'subscription { incidentChanged(kinds: [NOTE_ADDED]) { id incident { uid } } }' }),
      });
    const first = await open();
    const reader = first.body!.getReader();
    await settle();
    await addNote(uid, 'before the drop');
    const text = await readUntil(reader, (seen) => /^id: /m.test(seen));
    const lastEventId = /^id: (.+)$/m.exec(text)![1];
    await reader.cancel();
    await addNote(uid, 'while away');
    const resumed = await open(lastEventId);
    const resumedReader = resumed.body!.getReader();
    const replayed = await readUntil(resumedReader, (seen) => /^id: /m.test(seen));
    await resumedReader.cancel();
    const replayedId = /^id: (.+)$/m.exec(replayed)![1];
    expect(replayedId).not.toBe(lastEventId);
    expect(replayedId.startsWith(`${uid}:`)).toBe(true);
  });

  it('refuses a stream without a token with 401, before it opens', async () => {
    const response = await fetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: 'subscription { incidentChanged { id } }' }) });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Payload;
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("bounds a caller's event streams: one over the bound is refused with 429 and a code; others of the tenant still open one; closing one frees a place", async () => {
    const bounded = await graph.startGateway({ CLIENT_POLICIES: JSON.stringify({ user: { subscriptions: { connectionsPerCaller: 2 } } }) });
    const first = await openEventStream(writer, bounded.url);
    const second = await openEventStream(writer, bounded.url);
    expect([first.status, second.status]).toEqual([200, 200]);

    const refused = await openEventStream(writer, bounded.url);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await refused.json()) as Payload).errors).toEqual([{ message: 'At most 2 connections per user caller; close one first', extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED' } }]);

    const colleague = await graph.token({ sub: 'usr-acme-00002', scopes: ALL });
    expect((await openEventStream(colleague, bounded.url)).status).toBe(200);

    await first.body!.cancel();
    // The gateway counts the stream closed once it sees its connection close, a moment after the client does.
    let reopened = await openEventStream(writer, bounded.url);
    for (const deadline = Date.now() + 5000; reopened.status === 429 && Date.now() < deadline; reopened = await openEventStream(writer, bounded.url)) {
      await reopened.body!.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reopened.status).toBe(200);
  });
});

describe('partners', () => {
  let partner: string;
  let strictUrl: string;

  beforeAll(async () => {
    partner = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read'] });
    strictUrl = (await graph.startGateway({ PERSISTED_QUERIES: join(root, 'schema', 'persisted-queries'), PERSISTED_QUERIES_MODE: 'enforce' })).url;
  });

  it('subscribe only with an operation listed for them, by id', async () => {
    const adHoc = record((sink) => webSocketClient({ authorization: `Bearer ${partner}` }, strictUrl).subscribe({ query: 'subscription { incidentChanged { id incident { uid description } } }' }, sink));
    await adHoc.until(() => adHoc.ended.error !== undefined);
    expect((adHoc.ended.error as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');

    const listed = record((sink) =>
      webSocketClient({ authorization: `Bearer ${partner}` }, strictUrl).subscribe({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: PARTNER_CHANGES_ID } } }, sink),
    );
    await settle();
    const uid = await linkedIncident();
    await addNote(uid, 'for the partner');
    await listed.until(() => listed.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    listed.stop();
  });

  it("name the listed operation with GraphQL over HTTP's documentId too", async () => {
    const byDocumentId = { query: '', documentId: `sha256:${PARTNER_CHANGES_ID}` } as { query: string };
    const listed = record((sink) => webSocketClient({ authorization: `Bearer ${partner}` }, strictUrl).subscribe(byDocumentId, sink));
    await settle();
    const uid = await linkedIncident();
    await addNote(uid, 'for the partner, by documentId');
    await listed.until(() => listed.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    expect(listed.ended.error).toBeUndefined();
    listed.stop();
  });
});

describe("Apollo Client's GraphQLWsLink", () => {
  it('subscribes and receives a change', async () => {
    const wsClient = webSocketClient({ authorization: `Bearer ${writer}` });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
    clients.push({ dispose: () => apollo.stop() });
    const uid = await linkedIncident();
    const events = record((sink) => {
      const subscription = apollo.subscribe({ query: gql(CHANGES) }).subscribe({ next: (value) => sink.next(value as Payload), error: sink.error, complete: sink.complete });
      return () => subscription.unsubscribe();
    });
    await settle();
    await addNote(uid, 'through Apollo Client');
    await events.until(() => events.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    events.stop();
  });
});

/** Opens an event stream of incident changes (POST, Accept: text/event-stream); cancelled after the test. */
async function openEventStream(token: string, url: string): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'subscription { incidentChanged { id } }' }),
  });
  clients.push({ dispose: () => response.body?.cancel().catch(() => undefined) });
  return response;
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!done(text)) {
    if (Date.now() > deadline) throw new Error(`timed out reading the stream: ${text}`);
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

const natsUrl = process.env.NATS_URL;
if (!natsUrl) console.log('skipped "change events over NATS JetStream": set NATS_URL (e.g. nats://127.0.0.1:4222) to run it');
(natsUrl ? describe : describe.skip)('change events over NATS JetStream', () => {
  let natsGraph: Graph;
  const stream = `PALISADE_TEST_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    natsGraph = await startGraph({ demoDataScale: 0.02, nats: { url: natsUrl!, stream } });
  });

  afterAll(async () => {
    await natsGraph?.close();
    const connection = await connect({ servers: natsUrl! });
    await (await jetstreamManager(connection)).streams.delete(stream).catch(() => undefined);
    await connection.close();
  });

  it('reach a subscriber on every gateway replica', async () => {
    const token = await natsGraph.token({ scopes: ALL });
    const replica = await natsGraph.startGateway();
    const events = [natsGraph.url, replica.url].map((url) =>
      record((sink) => webSocketClient({ authorization: `Bearer ${token}` }, url).subscribe({ query: 'subscription { incidentChanged { id incident { uid assignee { name } } } }' }, sink)),
    );
    await settle();
    const { body } = await natsGraph.request('{ incidents(first: 1) { edges { node { uid } } } }', { token });
    const uid = body.data!.incidents.edges[0].node.uid as string;
    await natsGraph.request(`mutation { addIncidentNote(uid: "${uid}", note: "over NATS") { uid } }`, { token });
    for (const replicaEvents of events) await replicaEvents.until(() => replicaEvents.received.some((event) => event.data?.incidentChanged?.incident.uid === uid));
    for (const replicaEvents of events) replicaEvents.stop();
  });
});
