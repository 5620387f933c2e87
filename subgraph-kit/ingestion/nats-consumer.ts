import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventClassUid } from '../../lib/ingestion/event';
import { consumerName, ensureConsumer, ensureStreams, parseEventSubject, type JetStreamSettings } from '../../lib/ingestion/jetstream';
import { RejectionCode } from '../../lib/ingestion/rejection';
import type { Logger } from '../../lib/logger';
import { StoreUnavailableError } from '../store-errors';
import { applyBatch, type Delivered, type Outcome } from './apply-batch';
import type { DeadLetterSink } from '../../lib/ingestion/dead-letters';
import type { EventWriter } from './event-writer';
import type { IngestionMetrics } from './metrics';

export interface NatsConsumerOptions<C extends EventClassUid> {
  /** The subgraph's name: the durable consumer is `<service>-<class_uid>`, shared by its replicas. */
  service: string;
  classUid: C;
  writer: EventWriter<C>;
  connection: NatsConnection;
  settings: JetStreamSettings;
  deadLetters: DeadLetterSink;
  metrics: IngestionMetrics;
  logger: Logger;
  /** The most events written in one batch. */
  batchSize?: number;
  /** How long JetStream waits for an acknowledgement before it delivers an event again. */
  ackWaitMs?: number;
}

export type ConsumerState = 'starting' | 'consuming' | 'holding' | 'stopped';

/**
 * As the embedded path's batch (INGEST_MAX_EVENTS). Batches of 200 rewrote an incident its findings touch five
 * times as often: Detection Findings went from 729 to 2,258 events/s. The client buffers at most this many
 * events; a consume by bytes instead (8 MB) pulled 100 at a time and took 226/s.
 */
const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_ACK_WAIT_MS = 30_000;
/**
 * How long one pull waits before it is renewed. A pull lost with a dropped connection is noticed after two missed
 * idle heartbeats (half of this each): 5 s rather than the client's 30 s default bounds the stall after a reconnect.
 */
const PULL_EXPIRES_MS = 5_000;
/** While the store is unavailable, the batch is tried again after these waits (the last one repeats). */
const HOLD_BACKOFF_MS = [250, 500, 1000, 2000, 5000];

/**
 * Consumes one class from the events stream with a durable pull consumer, in batches: as many events as have
 * arrived, up to the batch size, written in one batched write. Each event is then settled on its own:
 *
 * - applied: acknowledged, and only once the server confirmed it (so a restart does not deliver it again);
 * - rejected (invalid, e.g. published directly with a missing field): moved to the dead letters at once, since
 *   delivering it again cannot change the verdict;
 * - failed when written alone: delivered again after a backoff, and after INGEST_MAX_DELIVER deliveries moved to
 *   the dead letters with the reason.
 *
 * When the store does not answer, nothing is decided: the batch is held and tried again (JetStream is told the
 * events are still being worked on), so an outage does not use up deliveries and push good events to the dead
 * letters. A bad event therefore never blocks the stream: it is settled and the next batch goes on.
 */
export class NatsEventConsumer<C extends EventClassUid> {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private currentState: ConsumerState = 'starting';
  readonly name: string;
  private readonly label: string;

  constructor(private readonly options: NatsConsumerOptions<C>) {
    this.name = consumerName(options.service, options.classUid);
    this.label = String(options.classUid);
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  /** Creates the streams and the durable consumer when missing, then consumes until stop(). */
  async start(): Promise<void> {
    const { connection, settings, classUid } = this.options;
    const jsm = await jetstreamManager(connection);
    await ensureStreams(jsm, settings);
    await ensureConsumer(jsm, settings, this.name, classUid, this.options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
    const consumer = await jetstream(connection).consumers.get(settings.stream, this.name);
    if (this.stopping) return;
    const messages = await consumer.consume({ max_messages: this.batchSize, expires: PULL_EXPIRES_MS });
    if (this.stopping) {
      await messages.close();
      return;
    }
    this.messages = messages;
    this.currentState = 'consuming';
    this.loop = this.consume(messages).catch((error: unknown) => {
      this.options.logger.error({ err: error, consumer: this.name }, 'the event consumer stopped on an unexpected error');
    });
  }

  /** Stops taking events, lets the batch in hand finish (or hands it back to JetStream), and returns. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    await this.loop;
    this.currentState = 'stopped';
  }

  private get batchSize(): number {
    return this.options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  private async consume(messages: ConsumerMessages): Promise<void> {
    const iterator = messages[Symbol.asyncIterator]();
    let next = iterator.next();
    for (;;) {
      const first = await next;
      if (first.done) return;
      const batch: JsMsg[] = [first.value];
      next = iterator.next();
      // Everything that has arrived goes in one batch: low latency when events trickle, full batches under load.
      // What has arrived is what the iterator gives before the event loop's next turn; the batch never waits for
      // more (the iterator's getPending() counts its internal callbacks too, and waiting on it once held a batch
      // past its acknowledgement wait, until JetStream delivered it again).
      while (batch.length < this.batchSize) {
        const more = await Promise.race([next, nextTurn()]);
        if (more === NOTHING_YET || more.done) break;
        batch.push(more.value);
        next = iterator.next();
      }
      try {
        await this.process(batch);
      } catch (error) {
        // A fault of this code, not of an event: the batch is delivered again later, and the consumer goes on.
        this.options.logger.error({ err: error, consumer: this.name }, 'could not process a batch of events; it will be delivered again');
        for (const message of batch) message.nak(retryDelayMs(message.info.deliveryCount));
      }
      if (this.stopping) {
        // close() completes only once the iterator has run to its end: drive it there. What it still yields was
        // fetched but never begun, so it goes back to JetStream at once, for another replica or this one's restart.
        for (let rest = await next; !rest.done; rest = await iterator.next()) rest.value.nak();
        return;
      }
    }
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const { metrics } = this.options;
    const started = performance.now();
    const delivered: Array<Delivered | Outcome> = batch.map((message) => this.decode(message));
    const readable = delivered.flatMap((item, index) => ('tenant' in item ? [{ index, item }] : []));
    // While held, the events stay this consumer's: JetStream restarts their acknowledgement wait.
    const outcomes = await this.applyHeld(
      readable.map(({ item }) => item),
      () => batch.forEach((message) => message.working()),
    );
    if (outcomes === undefined) {
      // Stopping while the store is unavailable: hand the events back for another replica, or this one's restart.
      for (const message of batch) message.nak();
      return;
    }
    const settled: Outcome[] = delivered.map((item) => ('status' in item ? item : { status: 'applied' }));
    readable.forEach(({ index }, n) => (settled[index] = outcomes[n]));
    await Promise.all(batch.map((message, index) => this.settle(message, settled[index])));
    metrics.batchDuration.observe({ class: this.label }, (performance.now() - started) / 1000);
    metrics.lag.set({ class: this.label }, batch[batch.length - 1].info.pending);
  }

  /** The tenant from the subject and the event from the data; a message that has neither is refused as it is. */
  private decode(message: JsMsg): Delivered | Outcome {
    const subject = parseEventSubject(this.options.settings, message.subject);
    if (!subject || subject.classUid !== this.options.classUid) {
      return { status: 'rejected', rejection: { code: RejectionCode.TENANT_MISMATCH, message: `the subject ${message.subject} names no tenant of class ${this.options.classUid}: publish to ${this.options.settings.subjectPrefix}.events.<class_uid>.<tenant>` } };
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(message.data).toString('utf8'));
    } catch {
      value = undefined;
    }
    return { tenant: subject.tenant, value };
  }

  /** applyBatch, held and tried again for as long as the store is unavailable; undefined when stopping meanwhile. */
  private async applyHeld(batch: Delivered[], keepAlive: () => void): Promise<Outcome[] | undefined> {
    const { classUid, writer, metrics, logger } = this.options;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const outcomes = batch.length === 0 ? [] : await applyBatch(classUid, writer, batch);
        this.currentState = 'consuming';
        return outcomes;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        metrics.storeUnavailable.inc({ class: this.label });
        if (attempt === 0) logger.warn({ err: error, consumer: this.name, events: batch.length }, 'the store is unavailable; holding the batch and trying again');
        this.currentState = 'holding';
        if (this.stopping) return undefined;
        await sleep(HOLD_BACKOFF_MS[Math.min(attempt, HOLD_BACKOFF_MS.length - 1)]);
        if (this.stopping) return undefined;
        keepAlive();
      }
    }
  }

  private async settle(message: JsMsg, outcome: Outcome): Promise<void> {
    const { metrics, settings } = this.options;
    const deliveries = message.info.deliveryCount;
    switch (outcome.status) {
      case 'applied':
        metrics.events.inc({ class: this.label, outcome: 'applied' });
        metrics.eventLatency.observe({ class: this.label }, Math.max(0, Date.now() - message.info.timestampNanos / 1e6) / 1000);
        // A lost acknowledgement means one more delivery, which changes nothing: writes are idempotent.
        await message.ackAck().catch(() => false);
        return;
      case 'rejected':
        return this.deadLetter(message, outcome.rejection.code, outcome.rejection.message);
      case 'failed':
        if (deliveries >= settings.maxDeliver) {
          return this.deadLetter(message, RejectionCode.DEAD_LETTERED, `failed ${deliveries} times: ${outcome.reason}`);
        }
        metrics.events.inc({ class: this.label, outcome: 'retried' });
        message.nak(retryDelayMs(deliveries));
        return;
    }
  }

  private async deadLetter(message: JsMsg, code: RejectionCode, reason: string): Promise<void> {
    const { metrics, deadLetters, logger, classUid } = this.options;
    const subject = parseEventSubject(this.options.settings, message.subject);
    try {
      await deadLetters.write({
        classUid,
        tenant: subject?.tenant ?? 'unknown',
        code,
        reason,
        deliveries: message.info.deliveryCount,
        consumer: this.name,
        id: `${message.info.stream}:${message.info.streamSequence}`,
        data: message.data,
        subject: message.subject,
      });
    } catch (error) {
      // Not written, so not given up: it is delivered again and dead-lettered then (the same Nats-Msg-Id keeps one).
      logger.error({ err: error, consumer: this.name }, 'could not write a dead letter; the event will be delivered again');
      message.nak(retryDelayMs(message.info.deliveryCount));
      return;
    }
    metrics.deadLetters.inc({ class: this.label, code });
    metrics.events.inc({ class: this.label, outcome: code === RejectionCode.DEAD_LETTERED ? 'dead_lettered' : 'rejected' });
    logger.warn({ consumer: this.name, tenant: subject?.tenant, code, deliveries: message.info.deliveryCount, stream_sequence: message.info.streamSequence }, 'event moved to the dead letters');
    // Acknowledged, not terminated: the dead letter holds it now, and the work queue lets it go only on an ack.
    await message.ackAck().catch(() => false);
  }
}

const NOTHING_YET = Symbol('nothing yet');

/** Resolves on the event loop's next turn: after what the iterator already holds, and what the socket has given. */
function nextTurn(): Promise<typeof NOTHING_YET> {
  return new Promise((resolve) => setImmediate(() => resolve(NOTHING_YET)));
}

/** 1 s after the first failure, doubling, at most 30 s. */
function retryDelayMs(deliveries: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, deliveries - 1));
}
