import { randomBytes } from 'node:crypto';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChangeEvent, ChangeSource } from '../change-event';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '../../service-token';
import { SseParser, type SseMessage } from '../sse';
import { CHANGES_PATH, ChangeStream, type ChangeStreamOptions } from '../stream';
import { streamChanges, type StreamChangesOptions } from '../stream-source';
import { captureLogger, changeEvent, eventually, Received } from './support';

/**
 * The embedded change transport over real HTTP on loopback: a subgraph's ChangeStream on a port the system
 * picks, read by the gateway's streamChanges and by a raw reader that sees exactly what is on the wire.
 */

const secret = randomBytes(32);
const token = () => signServiceToken('changes', secret);

interface Subgraph {
  stream: ChangeStream;
  server: Server;
  origin: string;
  port: number;
  requests: IncomingMessage[];
  stop(): Promise<void>;
}

const running = new Set<{ stop(): Promise<void> }>();
const sources = new Set<ChangeSource>();

afterEach(async () => {
  await Promise.all([...sources].map((source) => source.close()));
  sources.clear();
  await Promise.all([...running].map((item) => item.stop()));
  running.clear();
});

/** A subgraph that serves its change stream at /changes and 404 elsewhere, as a subgraph's HTTP front does. */
async function startSubgraph(options: Partial<ChangeStreamOptions> = {}, port = 0): Promise<Subgraph> {
  const stream = new ChangeStream({ secret, logger: captureLogger().logger, ...options });
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    if (new URL(request.url ?? '/', 'http://localhost').pathname === CHANGES_PATH) return stream.handle(request, response);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  const subgraph: Subgraph = {
    stream,
    server,
    origin: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    stop: async () => {
      running.delete(subgraph);
      await stream.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  running.add(subgraph);
  return subgraph;
}

/** A plain HTTP server for the cases a ChangeStream never produces. */
async function startServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ origin: string; requests: number }> {
  const state = { origin: '', requests: 0 };
  const server = createServer((request, response) => {
    state.requests++;
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  running.add({
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return state;
}

function source(options: Partial<StreamChangesOptions> & { urls: string[] }): ChangeSource {
  const changes = streamChanges({ secret, logger: captureLogger().logger, initialDelayMs: 20, maxDelayMs: 200, ...options });
  sources.add(changes);
  return changes;
}

interface RawReader {
  status: number;
  body: string;
  messages: SseMessage[];
  response: IncomingMessage;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  /** Resolves once `count` messages arrived. */
  atLeast(count: number): Promise<void>;
}

/** Reads /changes as bytes on the wire; `paused` leaves the response unread until resumed. */
function readRaw(origin: string, headers: Record<string, string>, paused = false): Promise<RawReader> {
  return new Promise((resolve, reject) => {
    const request = get(`${origin}${CHANGES_PATH}`, { headers, agent: false }, (response) => {
      const parser = new SseParser();
      const reader: RawReader = {
        status: response.statusCode ?? 0,
        body: '',
        messages: [],
        response,
        ended: new Promise((done) => response.on('close', () => done())),
        atLeast: (count) => eventually(() => reader.messages.length >= count, `${count} messages`),
      };
      response.setEncoding('utf8');
      if (paused) response.pause();
      const onData = (chunk: string) => {
        reader.body += chunk;
        reader.messages.push(...parser.push(chunk));
      };
      if (paused) response.once('resume', () => response.on('data', onData));
      else response.on('data', onData);
      response.on('error', () => undefined);
      resolve(reader);
    });
    request.on('error', reject);
  });
}

const changesOf = (messages: SseMessage[]): ChangeEvent[] => messages.filter((message) => message.event === 'change').map((message) => JSON.parse(message.data) as ChangeEvent);

describe('change stream: who may read', () => {
  test('a request without a service token, or with a wrong or expired one, is refused with 401 and a reason', async () => {
    const subgraph = await startSubgraph();
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /missing x-palisade-service-token header/],
      [{ [SERVICE_TOKEN_HEADER]: signServiceToken('changes', randomBytes(32)) }, /invalid service token signature/],
      [{ [SERVICE_TOKEN_HEADER]: signServiceToken('changes', secret, Date.now() - 120_000) }, /expired service token/],
      [{ [SERVICE_TOKEN_HEADER]: signServiceToken('admin', secret) }, /not "changes"/],
      [{ [SERVICE_TOKEN_HEADER]: 'garbage' }, /malformed service token/],
    ];
    for (const [headers, reason] of cases) {
      const reader = await readRaw(subgraph.origin, headers);
      await reader.ended;
      expect(reader.status).toBe(401);
      expect((JSON.parse(reader.body) as { error: string }).error).toMatch(reason);
    }
    expect(subgraph.stream.clientCount).toBe(0);
    await subgraph.stream.publish(changeEvent());
    const allowed = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() });
    expect(allowed.status).toBe(200);
    expect(allowed.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });

  test('a gateway with another secret hears nothing and keeps trying', async () => {
    const subgraph = await startSubgraph();
    const log = captureLogger();
    const received = new Received();
    const changes = streamChanges({ urls: [subgraph.origin], secret: randomBytes(32), logger: log.logger, initialDelayMs: 20, maxDelayMs: 40 });
    sources.add(changes);
    await changes.subscribe(received.push);
    await subgraph.stream.publish(changeEvent());
    await eventually(() => subgraph.requests.length >= 3, 'three attempts');
    expect(received.events).toEqual([]);
    const refused = log.lines.filter((line) => line.msg === 'change stream dropped; reconnecting');
    expect(refused[0]?.reason).toMatch(/^HTTP 401: .*invalid service token signature/);
  });

  test('only GET', async () => {
    const subgraph = await startSubgraph();
    const status = await new Promise<number>((resolve, reject) => {
      const request = get(`${subgraph.origin}${CHANGES_PATH}`, { method: 'POST', headers: { [SERVICE_TOKEN_HEADER]: token() }, agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    expect(status).toBe(405);
  });
});

describe('change stream: delivery', () => {
  test('live events reach the gateway in the order published, as id / event: change / data lines', async () => {
    const subgraph = await startSubgraph();
    const received = new Received();
    await source({ urls: [subgraph.origin] }).subscribe(received.push);
    const raw = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() });
    await eventually(() => subgraph.stream.clientCount === 2, 'both readers');
    const events = [changeEvent({ entity: 'inc-1' }), changeEvent({ entity: 'inc-2' }), changeEvent({ entity: 'inc-1' })];
    for (const event of events) await subgraph.stream.publish(event);
    await received.atLeast(3);
    expect(received.events).toEqual(events);
    await raw.atLeast(3);
    const first = events[0] as ChangeEvent;
    expect(raw.body.startsWith(`id: ${first.id}\nevent: change\ndata: ${JSON.stringify(first)}\n\n`)).toBe(true);
  });

  test('an event published twice while in the window is sent once', async () => {
    const subgraph = await startSubgraph();
    const received = new Received();
    await source({ urls: [subgraph.origin] }).subscribe(received.push);
    const event = changeEvent();
    const marker = changeEvent();
    await subgraph.stream.publish(event);
    await subgraph.stream.publish({ ...event });
    await subgraph.stream.publish(marker);
    await received.atLeast(2);
    expect(received.ids).toEqual([event.id, marker.id]);
  });

  test('a reader with a Last-Event-ID in the window gets what followed it, then live events', async () => {
    const subgraph = await startSubgraph();
    const events = Array.from({ length: 5 }, () => changeEvent());
    for (const event of events) await subgraph.stream.publish(event);
    const raw = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token(), 'last-event-id': (events[1] as ChangeEvent).id });
    const live = changeEvent();
    await subgraph.stream.publish(live);
    await raw.atLeast(4);
    expect(raw.messages.map((message) => message.event)).toEqual(['change', 'change', 'change', 'change']);
    expect(changesOf(raw.messages)).toEqual([...events.slice(2), live]);
  });

  test('a reader without Last-Event-ID gets only what is published after it connected', async () => {
    const subgraph = await startSubgraph();
    await subgraph.stream.publish(changeEvent());
    const raw = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() });
    const live = changeEvent();
    await subgraph.stream.publish(live);
    await raw.atLeast(1);
    expect(changesOf(raw.messages)).toEqual([live]);
  });

  test('a Last-Event-ID that left the window by count gets a reset, then the whole window', async () => {
    const subgraph = await startSubgraph({ maxEvents: 3 });
    const events = Array.from({ length: 5 }, () => changeEvent());
    for (const event of events) await subgraph.stream.publish(event);
    for (const lastEventId of [(events[0] as ChangeEvent).id, 'never-published']) {
      const raw = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token(), 'last-event-id': lastEventId });
      await raw.atLeast(4);
      expect(raw.messages[0]?.event).toBe('reset');
      expect((JSON.parse(raw.messages[0]?.data ?? '{}') as { reason: string }).reason).toMatch(/no longer in the window/);
      expect(changesOf(raw.messages.slice(1))).toEqual(events.slice(2));
    }
  });

  test('events leave the window by age too', async () => {
    const subgraph = await startSubgraph({ maxAgeMs: 60_000 });
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    try {
      const old = changeEvent();
      await subgraph.stream.publish(old);
      clock.mockReturnValue(start + 30_000);
      const newer = changeEvent();
      await subgraph.stream.publish(newer);
      clock.mockReturnValue(start + 61_000);
      const raw = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token(), 'last-event-id': old.id });
      await raw.atLeast(2);
      expect(raw.messages[0]?.event).toBe('reset');
      expect(changesOf(raw.messages)).toEqual([newer]);
    } finally {
      clock.mockRestore();
    }
  });

  test('a quiet stream carries a heartbeat comment', async () => {
    const subgraph = await startSubgraph({ heartbeatMs: 50 });
    const raw = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() });
    await eventually(() => raw.body.split(': heartbeat\n\n').length > 2, 'two heartbeats', 2_000);
    expect(raw.messages).toEqual([]);
  });

  test('a reader that falls behind is cut off and told why, while a fast one keeps receiving', async () => {
    const subgraph = await startSubgraph({ maxEvents: 100 });
    const fast = new Received();
    await source({ urls: [subgraph.origin] }).subscribe(fast.push);
    const slow = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() }, true);
    await eventually(() => subgraph.stream.clientCount === 2, 'both readers');
    // Big events fill the slow reader's socket buffers sooner; the bound keeps the test finite if it never lags.
    const published: ChangeEvent[] = [];
    while (subgraph.stream.clientCount === 2) {
      if (published.length >= 100_000) throw new Error('the slow reader was never cut off');
      for (let index = 0; index < 100; index++) {
        const event = changeEvent({ entity: `inc-${index % 7}-${'x'.repeat(240)}` });
        published.push(event);
        await subgraph.stream.publish(event);
      }
      await fast.atLeast(published.length);
    }
    // The fast reader was never held back: it got everything, and keeps getting what comes next.
    const next = changeEvent();
    published.push(next);
    await subgraph.stream.publish(next);
    await fast.atLeast(published.length);
    expect(fast.ids).toEqual(published.map((event) => event.id));

    slow.response.resume();
    await slow.ended;
    const last = slow.messages[slow.messages.length - 1] as SseMessage;
    expect(last.event).toBe('end');
    expect(JSON.parse(last.data)).toEqual({ code: 'LAGGING', reason: expect.stringMatching(/fell behind/) });
    const slowIds = changesOf(slow.messages).map((event) => event.id);
    expect(slowIds.length).toBeLessThan(published.length);
    expect(slowIds).toEqual(published.slice(0, slowIds.length).map((event) => event.id));
  });
});

describe('change stream: reconnecting', () => {
  test('after a dropped connection the gateway resumes from Last-Event-ID: nothing missed, nothing twice', async () => {
    const subgraph = await startSubgraph();
    const log = captureLogger();
    const received = new Received();
    await source({ urls: [subgraph.origin], logger: log.logger }).subscribe(received.push);
    const first = changeEvent();
    await subgraph.stream.publish(first);
    await received.atLeast(1);
    subgraph.server.closeAllConnections();
    await eventually(() => subgraph.stream.clientCount === 0, 'the drop');
    const during = [changeEvent(), changeEvent()];
    for (const event of during) await subgraph.stream.publish(event);
    await received.atLeast(3);
    expect(received.ids).toEqual([first, ...during].map((event) => event.id));
    expect(subgraph.requests[subgraph.requests.length - 1]?.headers['last-event-id']).toBe(first.id);
    expect(log.lines.some((line) => line.msg.startsWith('change stream reset'))).toBe(false);
  });

  test('after the subgraph restarts on the same port the gateway reconnects and is told it may have missed events', async () => {
    const before = await startSubgraph();
    const port = before.port;
    const log = captureLogger();
    const received = new Received();
    await source({ urls: [before.origin], logger: log.logger }).subscribe(received.push);
    const first = changeEvent();
    await before.stream.publish(first);
    await received.atLeast(1);
    await before.stop();
    await eventually(() => log.lines.some((line) => line.msg === 'change stream ended by the subgraph' && line.code === 'SHUTDOWN'), 'the shutdown notice');

    const after = await startSubgraph({}, port);
    await eventually(() => after.stream.clientCount === 1, 'the gateway to reconnect');
    const second = changeEvent();
    await after.stream.publish(second);
    await received.atLeast(2);
    expect(received.ids).toEqual([first.id, second.id]);
    expect(after.requests[0]?.headers['last-event-id']).toBe(first.id);
    expect(log.lines.some((line) => line.msg === 'change stream reset: events may have been missed' && line.level === 40)).toBe(true);
  });

  test('a subgraph that answers 404 publishes no changes: asked once, logged at debug, the others still heard', async () => {
    const none = await startServer((_request, response) => response.writeHead(404).end());
    const subgraph = await startSubgraph();
    const log = captureLogger();
    const received = new Received();
    await source({ urls: [`${none.origin}/graphql`, `${subgraph.origin}/graphql`], logger: log.logger }).subscribe(received.push);
    const event = changeEvent();
    await subgraph.stream.publish(event);
    await received.atLeast(1);
    expect(none.requests).toBe(1);
    const absent = log.lines.filter((line) => line.msg === 'no change stream: this subgraph publishes no changes');
    expect(absent).toEqual([expect.objectContaining({ level: 20, url: `${none.origin}${CHANGES_PATH}` })]);
  });

  test('a stream that goes silent past the idle timeout is reconnected', async () => {
    const silent = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.flushHeaders();
    });
    const changes = source({ urls: [silent.origin], idleTimeoutMs: 100 });
    await changes.subscribe(() => undefined);
    await eventually(() => silent.requests >= 3, 'reconnects after silence', 5_000);
  });

  test('what is not a ChangeEvent is dropped and logged at warn without its payload; what follows is delivered', async () => {
    const valid = changeEvent();
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('id: 1\nevent: change\ndata: not json secret-payload\n\n');
      response.write(`id: 2\nevent: change\ndata: ${JSON.stringify({ id: 'x', secret: 'secret-payload' })}\n\n`);
      response.write(`id: ${valid.id}\nevent: change\ndata: ${JSON.stringify(valid)}\n\n`);
    });
    const log = captureLogger();
    const received = new Received();
    await source({ urls: [server.origin], logger: log.logger }).subscribe(received.push);
    await received.atLeast(1);
    expect(received.events).toEqual([valid]);
    const dropped = log.lines.filter((line) => line.msg === 'change stream event dropped: not a ChangeEvent');
    expect(dropped.map((line) => [line.level, line.id])).toEqual([
      [40, '1'],
      [40, '2'],
    ]);
    expect(log.raw.join('\n')).not.toContain('secret-payload');
  });
});

describe('change stream: close', () => {
  test("the subgraph's close ends every stream with a shutdown event and refuses what comes after", async () => {
    const subgraph = await startSubgraph();
    const readers = [await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() }), await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() })];
    await eventually(() => subgraph.stream.clientCount === 2, 'both readers');
    await Promise.all([subgraph.stream.close(), subgraph.stream.close()]);
    for (const reader of readers) {
      await reader.ended;
      expect(reader.messages.map((message) => [message.event, (JSON.parse(message.data) as { code: string }).code])).toEqual([['end', 'SHUTDOWN']]);
    }
    expect(subgraph.stream.clientCount).toBe(0);
    await expect(subgraph.stream.publish(changeEvent())).rejects.toThrow(/closed/);
    const late = await readRaw(subgraph.origin, { [SERVICE_TOKEN_HEADER]: token() });
    expect(late.status).toBe(503);
  });

  test("the gateway's close ends its connections and stops reconnecting", async () => {
    const subgraph = await startSubgraph();
    const changes = source({ urls: [subgraph.origin] });
    await changes.subscribe(() => undefined);
    await eventually(() => subgraph.stream.clientCount === 1, 'the reader');
    await Promise.all([changes.close(), changes.close()]);
    await eventually(() => subgraph.stream.clientCount === 0, 'the reader to leave');
    const requests = subgraph.requests.length;
    await subgraph.stream.publish(changeEvent());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subgraph.requests.length).toBe(requests);
    await expect(changes.subscribe(() => undefined)).rejects.toThrow(/closed/);
  });

  test('a published event that is not a ChangeEvent is refused', async () => {
    const subgraph = await startSubgraph();
    await expect(subgraph.stream.publish({ ...changeEvent(), tenant: '' })).rejects.toThrow(TypeError);
  });
});
