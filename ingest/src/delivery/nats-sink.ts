import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Readiness } from '../../../lib/http-server';
import { connectNats, ensureStreams, eventSubject, pause, type JetStreamSettings } from '../../../lib/ingestion/jetstream';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { DeliveryRefused, type EventSink, type SinkResult, type ValidEvent } from './event-sink';

/** How often the stream's backlog is read for backpressure and the metric. */
const BACKLOG_POLL_MS = 1000;
const PUBLISH_TIMEOUT_MS = 10_000;
const RETRY_AFTER_SECONDS = 5;

/**
 * Publishes each event to `<prefix>.events.<class_uid>.<tenant>` and counts it accepted once JetStream has
 * stored it (its acknowledgement). The event's own id is the Nats-Msg-Id, so a batch sent again within the
 * stream's duplicate window is stored once; beyond it the consumers' writes are idempotent anyway. While more
 * events wait in the stream than `maxBacklog` (the consumers are behind), requests are refused with 429.
 */
export class NatsSink implements EventSink {
  private connection: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private backlog = 0;
  private readonly stop = new AbortController();
  private readonly started: Promise<void>;

  constructor(
    private readonly settings: JetStreamSettings,
    private readonly maxBacklog: number,
    private readonly logger: Logger,
    private readonly onBacklog: (messages: number) => void,
  ) {
    this.started = this.start().catch((error: unknown) => logger.error({ err: error }, 'the NATS delivery did not start'));
  }

  async accept(sender: Principal, events: ValidEvent[]): Promise<SinkResult[]> {
    const js = this.js;
    if (!js) throw new DeliveryRefused(503, 'NATS_UNAVAILABLE', 'the event stream is not reachable yet; send the batch again later', RETRY_AFTER_SECONDS);
    if (this.backlog >= this.maxBacklog) {
      throw new DeliveryRefused(429, 'BACKPRESSURE', `${this.backlog} events are waiting to be applied; send the batch again after ${RETRY_AFTER_SECONDS} s`, RETRY_AFTER_SECONDS);
    }
    const published = await Promise.allSettled(
      events.map((event) =>
        js.publish(eventSubject(this.settings, event.classUid, sender.tenant), event.text, { msgID: `${sender.tenant}:${event.classUid}:${event.eventId}`, timeout: PUBLISH_TIMEOUT_MS }),
      ),
    );
    const failure = published.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      const message = String((failure.reason as Error)?.message ?? failure.reason);
      if (/maximum messages|maximum bytes|storage|resource limits/i.test(message)) {
        throw new DeliveryRefused(429, 'BACKPRESSURE', `the event stream is full; send the batch again after ${RETRY_AFTER_SECONDS} s`, RETRY_AFTER_SECONDS);
      }
      this.logger.warn({ err: failure.reason }, 'publishing events failed');
      throw new DeliveryRefused(503, 'NATS_UNAVAILABLE', 'the event stream did not take the events; send the batch again later (events taken already are not applied twice)', RETRY_AFTER_SECONDS);
    }
    return events.map(() => ({ status: 'accepted' }));
  }

  async readiness(): Promise<Readiness> {
    const nats = !this.js ? 'connecting' : this.connection?.isClosed() ? 'closed' : 'ok';
    return { ready: nats === 'ok', checks: { nats, backlog: `${this.backlog} of ${this.maxBacklog}` } };
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.started;
    await this.connection?.drain().catch(() => undefined);
  }

  private async start(): Promise<void> {
    const connection = await connectNats(this.settings, 'palisade-ingest', this.logger, this.stop.signal);
    if (!connection) return;
    this.connection = connection;
    const jsm = await jetstreamManager(connection);
    for (let attempt = 0; !this.stop.signal.aborted; attempt += 1) {
      try {
        await ensureStreams(jsm, this.settings);
        break;
      } catch (error) {
        if (attempt === 0) this.logger.warn({ err: error }, 'could not create the event streams; trying again');
        await pause(Math.min(10_000, 500 * 2 ** attempt), this.stop.signal);
      }
    }
    if (this.stop.signal.aborted) return;
    this.jsm = jsm;
    this.js = jetstream(connection);
    this.logger.info({ stream: this.settings.stream }, 'publishing events to NATS');
    void this.pollBacklog();
  }

  private async pollBacklog(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        this.backlog = (await this.jsm!.streams.info(this.settings.stream)).state.messages;
        this.onBacklog(this.backlog);
      } catch (error) {
        this.logger.debug({ err: error }, 'could not read the event backlog');
      }
      await pause(BACKLOG_POLL_MS, this.stop.signal);
    }
  }
}
