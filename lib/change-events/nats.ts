import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { natsServerOptions, redactNatsUrl } from '../nats-url';
import { ConfigError } from '../errors';
import type { Environment } from '../config';
import type { Logger } from '../logger';
import { parseChangeEvent, type ChangeEvent, type ChangePublisher, type ChangeSource } from './change-event';

export const DEFAULT_CHANGES_STREAM = 'PALISADE_CHANGES';
export const DEFAULT_CHANGES_SUBJECT_PREFIX = 'palisade.changes';

/** Where changes travel in NATS: the stream, and the subjects it holds. */
export interface ChangesLocation {
  stream: string;
  subjectPrefix: string;
}

/**
 * NATS_CHANGES_STREAM: the JetStream stream of one Palisade installation's changes (default PALISADE_CHANGES), so
 * that several can share a NATS server; its subjects are its name in lower case with dots for underscores
 * (`palisade.changes.<tenant>.<field>`). Publishers and the gateway must name the same one.
 */
export function readChangesLocation(env: Environment): ChangesLocation {
  const stream = env.NATS_CHANGES_STREAM || DEFAULT_CHANGES_STREAM;
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(stream)) {
    throw new ConfigError('NATS_CHANGES_STREAM', `expected a stream name of capital letters, digits and underscores, such as ${DEFAULT_CHANGES_STREAM}; got "${stream}"`);
  }
  return { stream, subjectPrefix: stream.toLowerCase().split('_').join('.') };
}

export interface NatsChangesOptions {
  /** NATS_URL: one server URL or a comma-separated list (`nats://user:password@host:4222`). */
  url: string;
  logger: Logger;
  /** The JetStream stream; created when missing. Default PALISADE_CHANGES. */
  stream?: string;
  /** Events go to `<prefix>.<tenant>.<field>`; the stream holds `<prefix>.>`. Default `palisade.changes`. */
  subjectPrefix?: string;
  /** How long the stream keeps events: the replay window. Default one hour. */
  maxAgeMs?: number;
  /** A publish repeating an event id within this time is stored once. Default two minutes. */
  duplicateWindowMs?: number;
  /** Stream replicas on a JetStream cluster. Default 1. */
  replicas?: number;
  /** How long a publish waits for the server's acknowledgement. Default 5 seconds. */
  publishTimeoutMs?: number;
  /** How long the first connection may take. Default 5 seconds. */
  connectTimeoutMs?: number;
  /** The connection's name, as the server's monitoring shows it. Default `palisade`. */
  name?: string;
}

/**
 * The change transport across replicas: NATS JetStream. A subgraph publishes each committed change to
 * `<prefix>.<tenant>.<field>` with the event id as `Nats-Msg-Id`, so a publish repeated within the duplicate
 * window is stored once; the publish resolves on the server's acknowledgement, after which the outbox entry may
 * be marked published. Each gateway replica reads through an ordered consumer of its own (ephemeral, so every
 * replica hears every event) from the moment it subscribed; the stream's order is the publishers' order, so the
 * events of one entity stay in sequence. The client reconnects by itself, and the ordered consumer resumes
 * after the last stream sequence it delivered.
 */
export class NatsChanges implements ChangePublisher, ChangeSource {
  private messages: ConsumerMessages | undefined;
  private consumer: Consumer | undefined;
  private reading: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly watching: Promise<void>;
  /** False between a disconnect and the reconnect: close() then neither asks the server nor waits for it. */
  private connected = true;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly manager: JetStreamManager,
    private readonly client: JetStreamClient,
    private readonly settings: Settings,
    private readonly logger: Logger,
  ) {
    this.watching = this.watchConnection();
  }

  /**
   * Connects, and creates the stream when it is missing (or brings its age and duplicate window to the
   * configured ones). A server that cannot be reached, or has no JetStream, is a ConfigError naming NATS_URL.
   */
  static async connect(options: NatsChangesOptions): Promise<NatsChanges> {
    const settings = readSettings(options);
    const shown = redactNatsUrl(options.url);
    let connection: NatsConnection;
    try {
      connection = await connectNats({
        ...natsServerOptions(options.url),
        name: options.name ?? 'palisade',
        timeout: options.connectTimeoutMs ?? 5_000,
        // A gateway or subgraph outlives any NATS outage: keep trying, once a second, for ever.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
      });
    } catch (error) {
      throw new ConfigError('NATS_URL', `could not connect to NATS at ${shown}: ${messageOf(error)}`);
    }
    try {
      const manager = await jetstreamManager(connection);
      await ensureStream(manager, settings, options.logger);
      return new NatsChanges(connection, manager, jetstream(connection), settings, options.logger);
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (error instanceof ConfigError) throw error;
      throw new ConfigError('NATS_URL', `NATS at ${shown} has no usable JetStream stream ${settings.stream}: ${messageOf(error)}`);
    }
  }

  /** The subject an event is published to. */
  subjectOf(event: Pick<ChangeEvent, 'tenant' | 'field'>): string {
    return changeSubject(this.settings.prefix, event.tenant, event.field);
  }

  /** Resolves when the server stored the event (or knew it already); rejects otherwise, and the caller retries later. */
  async publish(event: ChangeEvent): Promise<void> {
    if (this.closing) throw new Error('the NATS change transport is closed');
    const valid = parseChangeEvent(event);
    if (!valid) throw new TypeError('not a ChangeEvent: every subscriber would drop it');
    try {
      await this.client.publish(this.subjectOf(valid), JSON.stringify(valid), {
        msgID: valid.id,
        // A subject some other stream captures would be acknowledged by that stream: refuse that.
        expect: { streamName: this.settings.stream },
        timeout: this.settings.publishTimeoutMs,
      });
    } catch (error) {
      throw new Error(`change ${valid.id} was not stored in ${this.settings.stream}: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Hears every change published from now on, of every tenant. Resolves once the consumer exists: what is
   * published after that is delivered. Events that are not ChangeEvents are logged (never their payload) and
   * dropped.
   */
  async subscribe(onEvent: (event: ChangeEvent) => void): Promise<void> {
    if (this.closing) throw new Error('the NATS change transport is closed');
    if (this.reading) throw new Error('the NATS change transport has a subscriber already');
    this.reading = Promise.resolve();
    // Start after the stream's last sequence rather than with DeliverPolicy.New: the ordered consumer resumes
    // from the last sequence it delivered, and before its first delivery that is its start, not the stream's
    // beginning, which would replay the whole window after an early reconnect.
    const { state } = await this.manager.streams.info(this.settings.stream);
    this.consumer = await this.client.consumers.get(this.settings.stream, {
      filter_subjects: `${this.settings.prefix}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: state.last_seq + 1,
    });
    // A pull lost with a dropped connection is noticed only when two idle heartbeats are missed (half of
    // `expires` each): 5 s rather than the client's 30 s default bounds how long live subscriptions stay silent
    // after a reconnect, for one small pull request every 5 s while idle.
    const messages = await this.consumer.consume({ max_messages: 256, expires: CONSUME_EXPIRES_MS });
    this.messages = messages;
    void this.watchConsumer(messages);
    this.reading = this.read(messages, onEvent);
  }

  /**
   * Stops reading, deletes this replica's consumer (the server would drop it after five idle minutes anyway),
   * and drains the connection; when NATS does not answer, closes it after a bounded wait. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.messages) await this.messages.close().catch(() => undefined);
      if (this.consumer && this.connected) await this.consumer.delete().catch(() => undefined);
      const drained = this.connected ? await within(this.connection.drain(), CLOSE_WAIT_MS) : false;
      if (!drained) await this.connection.close().catch(() => undefined);
      await this.reading;
      await this.watching;
    })();
    return this.closing;
  }

  private async read(messages: ConsumerMessages, onEvent: (event: ChangeEvent) => void): Promise<void> {
    try {
      for await (const message of messages) {
        let value: unknown;
        try {
          value = message.json();
        } catch {
          value = undefined;
        }
        const event = parseChangeEvent(value);
        if (!event) {
          this.logger.warn({ subject: message.subject, streamSequence: message.seq }, 'change event dropped: not a ChangeEvent');
          continue;
        }
        try {
          onEvent(event);
        } catch (error) {
          this.logger.error({ err: error, id: event.id }, 'change event subscriber failed');
        }
      }
    } catch (error) {
      if (!this.closing) this.logger.error({ err: error }, 'reading change events from NATS failed');
      return;
    }
    if (!this.closing) this.logger.error({ stream: this.settings.stream }, 'reading change events from NATS stopped');
  }

  private async watchConsumer(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      switch (status.type) {
        case 'heartbeats_missed':
          this.logger.warn({ count: status.count }, 'NATS change consumer missed heartbeats');
          break;
        case 'ordered_consumer_recreated':
          this.logger.info({ consumer: status.name }, 'NATS change consumer recreated; resuming after the last event delivered');
          break;
        case 'stream_not_found':
          this.logger.error({ stream: status.name }, 'NATS change stream not found');
          break;
        default:
      }
    }
  }

  private async watchConnection(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.logger.warn({ server: redactNatsUrl(status.server) }, 'NATS disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.logger.info({ server: redactNatsUrl(status.server) }, 'NATS reconnected');
      } else if (status.type === 'error') this.logger.warn({ err: status.error }, 'NATS error');
    }
  }
}

interface Settings {
  stream: string;
  prefix: string;
  maxAgeMs: number;
  duplicateWindowMs: number;
  replicas: number;
  publishTimeoutMs: number;
}

function readSettings(options: NatsChangesOptions): Settings {
  const settings: Settings = {
    stream: options.stream ?? DEFAULT_CHANGES_STREAM,
    prefix: options.subjectPrefix ?? DEFAULT_CHANGES_SUBJECT_PREFIX,
    maxAgeMs: options.maxAgeMs ?? 60 * 60_000,
    duplicateWindowMs: options.duplicateWindowMs ?? 2 * 60_000,
    replicas: options.replicas ?? 1,
    publishTimeoutMs: options.publishTimeoutMs ?? 5_000,
  };
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(settings.stream)) throw new TypeError(`a stream name is letters, digits, _ and -, not ${JSON.stringify(settings.stream)}`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(settings.prefix)) {
    throw new TypeError(`a subject prefix is dot-separated tokens of letters, digits, _ and -, not ${JSON.stringify(settings.prefix)}`);
  }
  if (!(settings.duplicateWindowMs > 0 && settings.duplicateWindowMs <= settings.maxAgeMs)) {
    throw new TypeError('the duplicate window must be positive and no longer than the age events are kept');
  }
  return settings;
}

async function ensureStream(manager: JetStreamManager, settings: Settings, logger: Logger): Promise<void> {
  const subject = `${settings.prefix}.>`;
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: settings.stream,
    subjects: [subject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.maxAgeMs),
    duplicate_window: nanos(settings.duplicateWindowMs),
    num_replicas: settings.replicas,
  };
  let existing;
  try {
    existing = await manager.streams.info(settings.stream);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    // Two replicas starting at once both get here; adding an identical stream twice is not an error.
    await manager.streams.add(wanted);
    logger.info({ stream: settings.stream, subject }, 'NATS change stream created');
    return;
  }
  const { config } = existing;
  if (!config.subjects?.includes(subject)) {
    throw new ConfigError('NATS_URL', `stream ${settings.stream} exists but does not hold ${subject} (it holds ${(config.subjects ?? []).join(', ') || 'nothing'})`);
  }
  if (config.storage !== StorageType.File) logger.warn({ stream: settings.stream, storage: config.storage }, 'NATS change stream is not on file storage');
  if (config.max_age !== wanted.max_age || config.duplicate_window !== wanted.duplicate_window) {
    // The configuration is the source of truth, as migrations are for the databases.
    await manager.streams.update(settings.stream, { ...config, max_age: wanted.max_age, duplicate_window: wanted.duplicate_window });
    logger.info({ stream: settings.stream, maxAgeMs: settings.maxAgeMs, duplicateWindowMs: settings.duplicateWindowMs }, 'NATS change stream limits updated');
  }
}

/**
 * The subject of a change: `<prefix>.<tenant>.<field>`. A token may not hold `.`, `*`, `>` or whitespace, so
 * every byte outside letters, digits, `_` and `-` is written `%XX` (and `%` itself too, so that two tenants
 * never share a subject).
 */
export function changeSubject(prefix: string, tenant: string, field: string): string {
  return `${prefix}.${subjectToken(tenant)}.${subjectToken(field)}`;
}

export function subjectToken(value: string): string {
  if (value === '') throw new TypeError('a subject token cannot be empty');
  let token = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f || byte === 0x2d;
    token += safe ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return token;
}

/** How long close() waits for a drain before it closes the connection outright. */
const CLOSE_WAIT_MS = 5_000;
/** How long one pull of the change consumer waits for messages before it is renewed. */
const CONSUME_EXPIRES_MS = 5_000;

/** Whether the promise settled well within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

function nanos(ms: number): number {
  return ms * 1_000_000;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

