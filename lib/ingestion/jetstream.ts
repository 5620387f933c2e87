import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readPositiveInt, type Environment } from '../config';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import { natsServerOptions, readNatsUrl } from '../nats-url';
import type { EventClassUid } from './event';

/**
 * Where events travel when NATS_URL is set: one JetStream stream of events, one of dead letters, and a durable
 * consumer per consuming subgraph and class. The names come from the environment so that several deployments
 * (and test runs) can share one NATS server.
 *
 *   <prefix>.events.<class_uid>.<tenant>   an event of that class for that tenant (stream INGEST_STREAM)
 *   <prefix>.dead.<class_uid>.<tenant>     a dead letter: the event as it was, the reason in headers
 *                                          (stream INGEST_STREAM_DEAD)
 *
 * The tenant is a subject token, so a producer that publishes directly is confined to its tenant by NATS's own
 * permissions (publish allowed on `<prefix>.events.*.acme` only), and consumers take the tenant from the subject.
 */
export interface JetStreamSettings {
  /** NATS_URL as given (credentials included); connect with natsServerOptions(url). */
  url: string;
  /** The events stream; the dead letters are in `<stream>_DEAD`. */
  stream: string;
  subjectPrefix: string;
  /** Deliveries of an event that fails before it goes to the dead letters. */
  maxDeliver: number;
  /** The most events the stream holds; past it the intake answers 429 and producers publishing directly are refused. */
  maxMessages: number;
}

export const DEFAULT_STREAM = 'PALISADE_INGEST';
export const DEFAULT_SUBJECT_PREFIX = 'palisade.ingest';
export const DEFAULT_MAX_DELIVER = 5;
export const DEFAULT_MAX_MESSAGES = 1_000_000;

/** A tenant that is also a NATS subject token and a PostgreSQL setting literal: no dots, wildcards or quotes. */
export const INGEST_TENANT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Reads NATS_URL and the ingestion names; undefined when NATS_URL is unset (the embedded path serves). */
export function readJetStreamSettings(env: Environment): JetStreamSettings | undefined {
  const url = readNatsUrl(env);
  if (!url) return undefined;
  const stream = env.INGEST_STREAM || DEFAULT_STREAM;
  if (!/^[A-Za-z0-9_-]{1,48}$/.test(stream)) throw new ConfigError('INGEST_STREAM', 'expected a JetStream stream name of letters, digits, _ and - (at most 48)');
  const subjectPrefix = env.INGEST_SUBJECT_PREFIX || DEFAULT_SUBJECT_PREFIX;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix)) {
    throw new ConfigError('INGEST_SUBJECT_PREFIX', 'expected subject tokens of letters, digits, _ and -, separated by dots, such as palisade.ingest');
  }
  return {
    url,
    stream,
    subjectPrefix,
    maxDeliver: readPositiveInt(env, 'INGEST_MAX_DELIVER', DEFAULT_MAX_DELIVER),
    maxMessages: readPositiveInt(env, 'INGEST_STREAM_MAX_MESSAGES', DEFAULT_MAX_MESSAGES),
  };
}

export function eventSubject(settings: Pick<JetStreamSettings, 'subjectPrefix'>, classUid: EventClassUid, tenant: string): string {
  return `${settings.subjectPrefix}.events.${classUid}.${tenant}`;
}

export function deadLetterSubject(settings: Pick<JetStreamSettings, 'subjectPrefix'>, classUid: number, tenant: string): string {
  return `${settings.subjectPrefix}.dead.${classUid}.${tenant}`;
}

export function deadLetterStream(settings: Pick<JetStreamSettings, 'stream'>): string {
  return `${settings.stream}_DEAD`;
}

/** The tenant and class of an event's subject, or undefined when the subject is not one of the events stream's. */
export function parseEventSubject(settings: Pick<JetStreamSettings, 'subjectPrefix'>, subject: string): { classUid: number; tenant: string } | undefined {
  const prefix = `${settings.subjectPrefix}.events.`;
  if (!subject.startsWith(prefix)) return undefined;
  const [classToken, tenant, ...rest] = subject.slice(prefix.length).split('.');
  const classUid = Number(classToken);
  if (rest.length > 0 || !Number.isInteger(classUid) || tenant === undefined || !INGEST_TENANT.test(tenant)) return undefined;
  return { classUid, tenant };
}

/** The durable consumer a subgraph reads one class with; its replicas share it, and so share the work. */
export function consumerName(subgraph: string, classUid: EventClassUid): string {
  return `${subgraph}-${classUid}`;
}

/** Headers of a dead letter. The event itself is the message's data, as it was delivered. */
export const DEAD_LETTER_HEADERS = {
  code: 'Palisade-Dead-Letter-Code',
  reason: 'Palisade-Dead-Letter-Reason',
  deliveries: 'Palisade-Dead-Letter-Deliveries',
  consumer: 'Palisade-Dead-Letter-Consumer',
  subject: 'Palisade-Dead-Letter-Subject',
  failedAt: 'Palisade-Dead-Letter-Failed-At',
} as const;

/** Dead letters are kept this long, for an operator to read and replay (npm run dead-letters). */
const DEAD_LETTER_MAX_AGE_NANOS = 30 * 24 * 3600 * 1e9;
/** JetStream drops an event published again with the same Nats-Msg-Id within this window: a whole batch sent twice is stored once. */
const DUPLICATE_WINDOW_NANOS = 10 * 60 * 1e9;

/**
 * The two streams, created when missing and brought to this configuration when they differ (the intake and each
 * consuming subgraph call this at start, whoever comes first). Events are a work queue: an event leaves the
 * stream once its consumer acknowledged it, and the stream refuses new events past `maxMessages`, which is the
 * backpressure producers see. Dead letters stay 30 days.
 */
export async function ensureStreams(jsm: JetStreamManager, settings: JetStreamSettings): Promise<void> {
  await ensureStream(jsm, {
    name: settings.stream,
    subjects: [`${settings.subjectPrefix}.events.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_msgs: settings.maxMessages,
    max_msg_size: 1024 * 1024,
    duplicate_window: DUPLICATE_WINDOW_NANOS,
  });
  await ensureStream(jsm, {
    name: deadLetterStream(settings),
    subjects: [`${settings.subjectPrefix}.dead.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: DEAD_LETTER_MAX_AGE_NANOS,
    duplicate_window: DUPLICATE_WINDOW_NANOS,
  });
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (!/already in use/i.test((error as Error).message)) throw error;
    await jsm.streams.update(config.name, config);
  }
}

/**
 * The durable pull consumer of one class: explicit acknowledgements, redelivered after `ackWaitMs` when neither
 * acknowledged nor refused. JetStream never gives up on an event (max_deliver -1); the consumer counts
 * deliveries itself and moves an event that keeps failing to the dead letters, so nothing is dropped silently.
 * A single filter subject (NATS 2.9 has no filter_subjects lists).
 */
export async function ensureConsumer(jsm: JetStreamManager, settings: JetStreamSettings, name: string, classUid: EventClassUid, ackWaitMs: number): Promise<void> {
  const config = {
    durable_name: name,
    filter_subject: `${settings.subjectPrefix}.events.${classUid}.*`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1e6,
    max_deliver: -1,
    max_ack_pending: 10_000,
  };
  try {
    await jsm.consumers.add(settings.stream, config);
  } catch (error) {
    if (!/already in use|exists/i.test((error as Error).message)) throw error;
    await jsm.consumers.update(settings.stream, name, config);
  }
}

/**
 * A connection that, once made, keeps reconnecting for as long as the service runs. The first connection is
 * tried again until it succeeds or `signal` aborts (then undefined), so that a service starts while NATS is down.
 */
export async function connectNats(settings: JetStreamSettings, name: string, logger: Logger, signal: AbortSignal): Promise<NatsConnection | undefined> {
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    try {
      const connection = await connect({ ...natsServerOptions(settings.url), name, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
      void (async () => {
        for await (const status of connection.status()) {
          if (status.type === 'disconnect' || status.type === 'reconnect') logger.warn({ nats: status.type }, `NATS ${status.type}`);
        }
      })();
      return connection;
    } catch (error) {
      if (attempt === 0) logger.warn({ err: error }, 'NATS does not answer; trying again');
      await pause(Math.min(10_000, 500 * 2 ** attempt), signal);
    }
  }
  return undefined;
}

/** Waits, or less when the signal aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** A dead letter as the dead-letter stream keeps it. */
export interface StoredDeadLetter {
  /** Its sequence in the dead-letter stream: what replay deletes it by. */
  sequence: number;
  classUid: number;
  tenant: string;
  code: string;
  reason: string;
  deliveries: number;
  consumer: string;
  /** The subject the event was consumed from: where replay publishes it again. */
  subject: string | undefined;
  failedAt: string;
  /** The event as it was delivered. */
  data: Uint8Array;
}

/** The dead letters of the dead-letter stream, oldest first, at most `limit` of them. */
export async function readDeadLetters(jsm: JetStreamManager, settings: Pick<JetStreamSettings, 'stream' | 'subjectPrefix'>, limit = 10_000): Promise<StoredDeadLetter[]> {
  const stream = deadLetterStream(settings);
  const { state } = await jsm.streams.info(stream);
  const letters: StoredDeadLetter[] = [];
  for (let sequence = state.first_seq; sequence <= state.last_seq && letters.length < limit; sequence += 1) {
    const message = await jsm.streams.getMessage(stream, { seq: sequence }).catch(() => null);
    if (!message) continue;
    const [classToken, tenant] = message.subject.slice(`${settings.subjectPrefix}.dead.`.length).split('.');
    const header = (name: string) => message.header?.get(name) ?? '';
    letters.push({
      sequence,
      classUid: Number(classToken),
      tenant,
      code: header(DEAD_LETTER_HEADERS.code),
      reason: header(DEAD_LETTER_HEADERS.reason),
      deliveries: Number(header(DEAD_LETTER_HEADERS.deliveries)),
      consumer: header(DEAD_LETTER_HEADERS.consumer),
      subject: header(DEAD_LETTER_HEADERS.subject) || undefined,
      failedAt: header(DEAD_LETTER_HEADERS.failedAt),
      data: message.data,
    });
  }
  return letters;
}
