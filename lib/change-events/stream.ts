import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import { SERVICE_TOKEN_HEADER, ServiceTokenRejected, verifyServiceToken } from '../service-token';
import { parseChangeEvent, type ChangeEvent, type ChangePublisher } from './change-event';
import { formatSseComment, formatSseEvent } from './sse';

/** Where a subgraph serves its changes; the gateway asks every subgraph here, and a 404 means "none". */
export const CHANGES_PATH = '/changes';

/** The purpose a service token must name to read a change stream. */
export const CHANGES_TOKEN_PURPOSE = 'changes';

/** The SSE event names of the change stream. */
export const ChangeStreamEvent = {
  /** `data` is a ChangeEvent as JSON; `id` is the event's id. */
  CHANGE: 'change',
  /** The Last-Event-ID the client sent is no longer known: events may have been missed; the whole window follows. */
  RESET: 'reset',
  /** The last event of a stream the server ends, with `{code, reason}`. */
  END: 'end',
} as const;

/** Why the server ended a stream (the `code` of an `end` event). */
export const ChangeStreamEndCode = {
  /** The client read too slowly: the events it had not read yet left the window. Reconnecting resumes or resets. */
  LAGGING: 'LAGGING',
  /** The service is shutting down. */
  SHUTDOWN: 'SHUTDOWN',
} as const;
export type ChangeStreamEndCode = (typeof ChangeStreamEndCode)[keyof typeof ChangeStreamEndCode];

export interface ChangeStreamOptions {
  /** PRINCIPAL_SECRET: a reader must show a service token for `changes` signed with it. */
  secret: Buffer;
  logger: Logger;
  /** At most this many recent events are kept for replay and for readers that lag. Default 10,000. */
  maxEvents?: number;
  /** Events older than this leave the window. Default 10 minutes. */
  maxAgeMs?: number;
  /** A comment is sent this often on a quiet stream. Default 15 seconds. */
  heartbeatMs?: number;
  /** Readers at once; more are answered 503. Only gateway replicas read, so this is generous. Default 64. */
  maxClients?: number;
  /** A stream that was ended but whose reader does not take the rest is destroyed after this. Default 5 seconds. */
  endGraceMs?: number;
}

interface WindowEntry {
  event: ChangeEvent;
  publishedAt: number;
  /** Formatted once, written to every reader. */
  frame: string;
}

interface Reader {
  response: ServerResponse;
  /** The offset of the next event of the window this reader has not been sent yet. */
  cursor: number;
  /** Waiting for `drain`: the socket took no more. */
  blocked: boolean;
}

/**
 * The embedded change transport, subgraph side: publishing keeps the event in a bounded window in memory and
 * sends it to every reader of `GET /changes` as Server-Sent Events.
 *
 * Every reader is a cursor into the one window rather than a queue of its own, so a reader costs no memory
 * per event: a reader the socket stops taking (`write` returned false) waits for `drain` and then continues
 * from its cursor. A reader is cut off, with an `end` event saying why, once the events it has not read leave
 * the window; its reconnect then resumes from Last-Event-ID or is told it missed events.
 */
export class ChangeStream implements ChangePublisher {
  private readonly window: WindowEntry[] = [];
  /** The offset of window[0]; offsets only grow, so a reader's cursor stays meaningful as the window moves. */
  private base = 0;
  private readonly offsets = new Map<string, number>();
  private readonly readers = new Set<Reader>();
  private readonly ending = new Set<Promise<void>>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private readonly maxClients: number;
  private readonly endGraceMs: number;

  constructor(private readonly options: ChangeStreamOptions) {
    this.maxEvents = positive('maxEvents', options.maxEvents ?? 10_000);
    this.maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? 10 * 60_000);
    this.maxClients = positive('maxClients', options.maxClients ?? 64);
    this.endGraceMs = positive('endGraceMs', options.endGraceMs ?? 5_000);
    this.heartbeat = setInterval(() => this.beat(), positive('heartbeatMs', options.heartbeatMs ?? 15_000));
    this.heartbeat.unref();
  }

  /** Readers connected now. */
  get clientCount(): number {
    return this.readers.size;
  }

  /**
   * Keeps the event and sends it to every reader. An id already in the window is not kept or sent again:
   * an outbox that publishes an event twice is seen once, as JetStream's duplicate window does.
   */
  publish(event: ChangeEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the change stream is closed'));
    const valid = parseChangeEvent(event);
    if (!valid) return Promise.reject(new TypeError('not a ChangeEvent: every reader would drop it'));
    if (this.offsets.has(valid.id)) return Promise.resolve();
    const now = Date.now();
    this.offsets.set(valid.id, this.base + this.window.length);
    this.window.push({ event: valid, publishedAt: now, frame: formatSseEvent(ChangeStreamEvent.CHANGE, JSON.stringify(valid), valid.id) });
    this.trim(now);
    for (const reader of this.readers) {
      if (reader.cursor < this.base) this.cutOff(reader);
      else this.pump(reader);
    }
    return Promise.resolve();
  }

  /**
   * Serves `GET /changes` (the caller routes the path here). Requires a service token for `changes`; then
   * replays what followed the client's Last-Event-ID, or, when that id is no longer known, sends `reset` and
   * the whole window; then streams live events.
   */
  handle(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET', 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'the change stream is read with GET' }));
      return;
    }
    try {
      verifyServiceToken(headerValue(request, SERVICE_TOKEN_HEADER), CHANGES_TOKEN_PURPOSE, this.options.secret);
    } catch (error) {
      if (!(error instanceof ServiceTokenRejected)) throw error;
      this.options.logger.warn({ reason: error.message, remoteAddress: request.socket.remoteAddress }, 'change stream request refused');
      response.writeHead(401, { 'www-authenticate': 'PalisadeServiceToken', 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error.message }));
      return;
    }
    if (this.closed || this.readers.size >= this.maxClients) {
      response.writeHead(503, { 'retry-after': '5', 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: this.closed ? 'the change stream is closed' : 'too many change stream readers' }));
      return;
    }

    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies that buffer responses (nginx) would hold events back.
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    this.trim(Date.now());
    const reader: Reader = { response, cursor: this.base + this.window.length, blocked: false };
    const lastEventId = headerValue(request, 'last-event-id');
    if (lastEventId !== undefined) {
      const offset = this.offsets.get(lastEventId);
      if (offset !== undefined) {
        reader.cursor = offset + 1;
      } else {
        reader.cursor = this.base;
        response.write(formatSseEvent(ChangeStreamEvent.RESET, JSON.stringify({ reason: 'the Last-Event-ID is no longer in the window: events may have been missed' })));
      }
    }
    this.readers.add(reader);
    response.on('close', () => this.readers.delete(reader));
    this.pump(reader);
  }

  /** Ends every stream with an `end` event (SHUTDOWN) and refuses new readers and events. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.heartbeat);
      for (const reader of [...this.readers]) this.end(reader, ChangeStreamEndCode.SHUTDOWN, 'the service is shutting down');
    }
    await Promise.all(this.ending);
  }

  /** Writes the window from the reader's cursor until the socket pushes back. */
  private pump(reader: Reader): void {
    if (reader.blocked) return;
    const end = this.base + this.window.length;
    while (reader.cursor < end) {
      const entry = this.window[reader.cursor - this.base] as WindowEntry;
      reader.cursor++;
      if (!reader.response.write(entry.frame)) {
        this.waitForDrain(reader);
        return;
      }
    }
  }

  private waitForDrain(reader: Reader): void {
    reader.blocked = true;
    reader.response.once('drain', () => {
      reader.blocked = false;
      if (this.readers.has(reader)) this.pump(reader);
    });
  }

  private beat(): void {
    for (const reader of this.readers) {
      // A reader that is behind is not idle, and a comment would only add to what it has not read.
      if (reader.blocked) continue;
      if (!reader.response.write(formatSseComment('heartbeat'))) this.waitForDrain(reader);
    }
  }

  private cutOff(reader: Reader): void {
    this.options.logger.warn(
      { remoteAddress: reader.response.socket?.remoteAddress, maxEvents: this.maxEvents, maxAgeMs: this.maxAgeMs },
      'change stream reader cut off: it fell behind the window',
    );
    this.end(reader, ChangeStreamEndCode.LAGGING, 'the reader fell behind: events it had not read left the window; reconnect with Last-Event-ID');
  }

  /** The final event, then the end; a reader that does not take them is destroyed after endGraceMs. */
  private end(reader: Reader, code: ChangeStreamEndCode, reason: string): void {
    this.readers.delete(reader);
    const { response } = reader;
    const ended = new Promise<void>((resolve) => {
      const timer = setTimeout(() => response.destroy(), this.endGraceMs);
      timer.unref();
      response.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.ending.add(ended);
    void ended.then(() => this.ending.delete(ended));
    response.end(formatSseEvent(ChangeStreamEvent.END, JSON.stringify({ code, reason })));
  }

  private trim(now: number): void {
    let drop = Math.max(0, this.window.length - this.maxEvents);
    while (drop < this.window.length && now - (this.window[drop] as WindowEntry).publishedAt > this.maxAgeMs) drop++;
    if (drop === 0) return;
    for (const entry of this.window.splice(0, drop)) this.offsets.delete(entry.event.id);
    this.base += drop;
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`ChangeStream ${name} must be a positive number, not ${value}`);
  return value;
}
