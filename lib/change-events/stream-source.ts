import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../logger';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '../service-token';
import { parseChangeEvent, type ChangeEvent, type ChangeSource } from './change-event';
import { CHANGES_PATH, CHANGES_TOKEN_PURPOSE, ChangeStreamEndCode, ChangeStreamEvent } from './stream';
import { SseParser, type SseMessage } from './sse';

export interface StreamChangesOptions {
  /** Each subgraph's URL (its origin, or its /graphql URL): the stream is read at `/changes` there. */
  urls: readonly string[];
  /** PRINCIPAL_SECRET, to sign the service token each connection shows. */
  secret: Buffer;
  logger: Logger;
  /** The first wait after a failure; it doubles up to maxDelayMs, each wait between half and all of it. Default 500 ms. */
  initialDelayMs?: number;
  /** Default 30 seconds. */
  maxDelayMs?: number;
  /** A stream that sends nothing for this long (heartbeats come every 15 s) is dropped and reconnected. Default 45 s. */
  idleTimeoutMs?: number;
}

/**
 * The embedded change transport, gateway side: reads every subgraph's change stream (Server-Sent Events, see
 * ChangeStream), reconnects after a drop with jittered backoff and Last-Event-ID, and delivers each parsed
 * event. A subgraph that answers 404 publishes no changes and is not asked again.
 *
 * Per subgraph, events arrive in the order it published them; an event may come twice (after a reset, the
 * whole window is replayed): the subscriber deduplicates by id, as the ChangeSource contract says.
 */
export function streamChanges(options: StreamChangesOptions): ChangeSource {
  return new StreamChangeSource(options);
}

class StreamChangeSource implements ChangeSource {
  private onEvent: ((event: ChangeEvent) => void) | undefined;
  private closed = false;
  private readonly followers: Promise<void>[] = [];
  private readonly cancels = new Set<() => void>();
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: StreamChangesOptions) {
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
    for (const url of options.urls) changesUrl(url); // a malformed URL is an error now, not a retry loop later
  }

  /** Resolves once every subgraph was tried once: connected, found to publish nothing, or retrying in the background. */
  async subscribe(onEvent: (event: ChangeEvent) => void): Promise<void> {
    if (this.closed) throw new Error('the change source is closed');
    if (this.onEvent) throw new Error('the change source has a subscriber already');
    this.onEvent = onEvent;
    const tried = this.options.urls.map((url) => new Promise<void>((resolve) => this.followers.push(this.follow(url, resolve))));
    await Promise.all(tried);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of [...this.cancels]) cancel();
    await Promise.all(this.followers);
  }

  /** One subgraph's stream, for as long as the source is open. */
  private async follow(url: string, tried: () => void): Promise<void> {
    const target = changesUrl(url);
    const state: FollowState = { lastEventId: undefined };
    let failures = 0;
    while (!this.closed) {
      const outcome = await this.read(target, state, tried);
      tried();
      if (outcome.kind === 'absent') {
        this.options.logger.debug({ url: target.href }, 'no change stream: this subgraph publishes no changes');
        return;
      }
      if (this.closed) return;
      if (outcome.kind === 'connected') failures = 0;
      const delay = this.delay(failures++);
      this.options.logger.warn({ url: target.href, reason: outcome.reason, retryInMs: Math.round(delay) }, 'change stream dropped; reconnecting');
      await this.sleep(delay);
    }
  }

  /**
   * One connection: resolves when it ends, saying whether it was ever established. Never rejects: every
   * failure is a reason to try again.
   */
  private read(target: URL, state: FollowState, connected: () => void): Promise<ReadOutcome> {
    return new Promise<ReadOutcome>((resolve) => {
      let established = false;
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      let request: ClientRequest | undefined;
      const finish = (reason: string, absent = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        this.cancels.delete(cancel);
        request?.destroy();
        resolve(absent ? { kind: 'absent' } : { kind: established ? 'connected' : 'failed', reason });
      };
      const cancel = () => finish('closed');
      this.cancels.add(cancel);
      const resetIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish(`nothing received for ${this.idleTimeoutMs} ms`), this.idleTimeoutMs);
      };

      const headers: Record<string, string> = {
        accept: 'text/event-stream',
        [SERVICE_TOKEN_HEADER]: signServiceToken(CHANGES_TOKEN_PURPOSE, this.options.secret),
      };
      if (state.lastEventId !== undefined) headers['last-event-id'] = state.lastEventId;
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      // A connection of its own (no agent): the stream holds it for as long as it lives.
      request = send(target, { method: 'GET', headers, agent: false });
      resetIdle();
      request.on('error', (error) => finish(error.message));
      request.on('response', (response: IncomingMessage) => {
        if (response.statusCode === 404) {
          response.resume();
          return finish('404', true);
        }
        const type = response.headers['content-type'] ?? '';
        if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
          return void readReason(response).then((detail) => finish(`HTTP ${response.statusCode}${detail ? `: ${detail}` : ''}`));
        }
        established = true;
        connected();
        resetIdle();
        const parser = new SseParser();
        const decoder = new TextDecoder('utf-8');
        response.on('data', (chunk: Buffer) => {
          if (settled) return;
          resetIdle();
          try {
            for (const message of parser.push(decoder.decode(chunk, { stream: true }))) this.receive(target, state, message);
          } catch (error) {
            finish(error instanceof Error ? error.message : String(error));
          }
        });
        response.on('end', () => finish('the stream ended'));
        response.on('error', (error) => finish(error.message));
        response.on('close', () => finish('the connection closed'));
      });
      request.end();
    });
  }

  private receive(target: URL, state: FollowState, message: SseMessage): void {
    const { logger } = this.options;
    if (message.event === ChangeStreamEvent.CHANGE) {
      // The position moves past a dropped event too: asking for it again would only drop it again.
      state.lastEventId = message.id;
      const event = parseChangeEvent(parseJson(message.data));
      if (!event) {
        logger.warn({ url: target.href, id: message.id }, 'change stream event dropped: not a ChangeEvent');
        return;
      }
      try {
        this.onEvent?.(event);
      } catch (error) {
        logger.error({ err: error, url: target.href, id: event.id }, 'change event subscriber failed');
      }
    } else if (message.event === ChangeStreamEvent.RESET) {
      logger.warn({ url: target.href, reason: reasonOf(message.data) }, 'change stream reset: events may have been missed');
    } else if (message.event === ChangeStreamEvent.END) {
      const data = parseJson(message.data) as { code?: unknown } | undefined;
      const level = data?.code === ChangeStreamEndCode.LAGGING ? 'warn' : 'info';
      logger[level]({ url: target.href, code: data?.code, reason: reasonOf(message.data) }, 'change stream ended by the subgraph');
    }
  }

  /** Equal jitter: between half and all of the doubled delay, so that gateway replicas do not reconnect in step. */
  private delay(failures: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(failures, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.cancels.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancels.add(done);
    });
  }
}

interface FollowState {
  /** The id of the last change received from this subgraph: sent as Last-Event-ID on reconnect. */
  lastEventId: string | undefined;
}

type ReadOutcome = { kind: 'absent' } | { kind: 'connected' | 'failed'; reason: string };

function changesUrl(url: string): URL {
  const parsed = new URL(CHANGES_PATH, url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`a change stream is read over http or https, not ${url}`);
  return parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reasonOf(data: string): string | undefined {
  const value = parseJson(data) as { reason?: unknown } | undefined;
  return typeof value?.reason === 'string' ? value.reason.slice(0, 200) : undefined;
}

/** The first bytes of an error answer, for the log: the subgraph's 401 says why. */
function readReason(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < 300) text += chunk;
    });
    response.on('end', () => resolve(text.slice(0, 300)));
    response.on('error', () => resolve(text.slice(0, 300)));
    response.on('close', () => resolve(text.slice(0, 300)));
  });
}
