import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { readNodeEnv, readPositiveInt, type Environment } from '../../lib/config';
import type { EventClassUid } from '../../lib/ingestion/event';
import { connectNats, DEFAULT_MAX_DELIVER, pause, readJetStreamSettings, type JetStreamSettings } from '../../lib/ingestion/jetstream';
import type { RouteHandler } from '../../lib/http-server';
import type { Logger } from '../../lib/logger';
import type { Registry } from 'prom-client';
import { deadLetterFileOf, FileDeadLetters, NatsDeadLetters } from '../../lib/ingestion/dead-letters';
import { deliveryEndpoint } from './delivery-endpoint';
import type { AnyEventConsumer, EventWriter } from './event-writer';
import { IngestionMetrics } from './metrics';
import { NatsEventConsumer } from './nats-consumer';

export { stateVersion, type AnyEventConsumer, type EventConsumerDefinition, type EventWriter } from './event-writer';

/**
 * How events reach a consuming subgraph:
 * - `nats` (NATS_URL set): a durable consumer per class on the events stream; dead letters to the dead-letter stream.
 * - `http` (no NATS_URL, outside production): the embedded intake's deliveries to /ingest/<class_uid>; dead letters
 *   to PALISADE_DATA_DIR/dead-letters.ndjson.
 * - `off` (no NATS_URL, in production): the subgraph takes no events; set NATS_URL to ingest.
 */
export type IngestionSettings = (
  | { transport: 'nats'; jetstream: JetStreamSettings }
  | { transport: 'http'; deadLetterFile: string; maxDeliver: number }
  | { transport: 'off' }
) & {
  /** Each writer's own settings (its readSettings), by class; a class without an entry gets its defaults. */
  writerSettings?: Readonly<Partial<Record<EventClassUid, unknown>>>;
};

/** How events arrive, and the settings of each consumer's writer, read (and checked) from the environment. */
export function readIngestionSettings<TStore>(env: Environment, consumers: ReadonlyArray<AnyEventConsumer<TStore>> = []): IngestionSettings {
  const writerSettings: Partial<Record<EventClassUid, unknown>> = {};
  for (const consumer of consumers) if (consumer.readSettings) writerSettings[consumer.classUid] = consumer.readSettings(env);
  const settings = readJetStreamSettings(env);
  if (settings) return { transport: 'nats', jetstream: settings, writerSettings };
  if (readNodeEnv(env) === 'production') return { transport: 'off', writerSettings };
  return { transport: 'http', deadLetterFile: deadLetterFileOf(env), maxDeliver: readPositiveInt(env, 'INGEST_MAX_DELIVER', DEFAULT_MAX_DELIVER), writerSettings };
}

export interface IngestionOptions<TStore> {
  service: string;
  consumers: ReadonlyArray<AnyEventConsumer<TStore>>;
  store: TStore;
  /** How the subgraph takes events; a subgraph that takes none (`off`) starts no ingestion. */
  settings: Exclude<IngestionSettings, { transport: 'off' }>;
  principalSecret: Buffer;
  registry: Registry;
  logger: Logger;
  /** Called after every write that succeeded (a batch, or one event of it): the change relay's nudge. */
  onWritten?: () => void;
}

/** A subgraph's ingestion, running: the routes the embedded path needs (/ingest/<class_uid>, if any), its state, and its stop. */
export interface Ingestion {
  readonly routes: Readonly<Record<string, RouteHandler>>;
  /** For /readyz: `consuming`, `connecting`, `holding` (the store is unavailable) or `http`. Informational: the subgraph serves queries either way. */
  state(): string;
  /** Stops the consumers (the batches in hand finish) and closes the NATS connection. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a subgraph's consumers. With NATS the connection and the consumers start in the background, so that
 * the subgraph serves queries while NATS is unreachable, and they keep trying until it answers.
 */
export function startIngestion<TStore>(options: IngestionOptions<TStore>): Ingestion {
  const { settings, logger } = options;
  const metrics = new IngestionMetrics(options.registry);
  // Each writer is only ever handed events of its own class (applyBatch reads them for that class alone).
  const writers = new Map(
    options.consumers.map((consumer) => {
      const writerSettings = settings.writerSettings?.[consumer.classUid] ?? consumer.readSettings?.({});
      const writer = consumer.createWriter(options.store, writerSettings as never) as EventWriter<EventClassUid>;
      return [consumer.classUid, notifying(writer, options.onWritten)];
    }),
  );
  if (settings.transport === 'http') {
    const routes = deliveryEndpoint({
      service: options.service,
      writers,
      principalSecret: options.principalSecret,
      deadLetters: new FileDeadLetters(settings.deadLetterFile),
      metrics,
      logger,
      maxDeliver: settings.maxDeliver,
    });
    return { routes, state: () => 'http', close: async () => undefined };
  }

  let connection: NatsConnection | undefined;
  const stop = new AbortController();
  const consumers: Array<NatsEventConsumer<EventClassUid>> = [];
  const started = (async () => {
    connection = await connectNats(settings.jetstream, `palisade-${options.service}`, logger, stop.signal);
    if (!connection || stop.signal.aborted) return;
    const deadLetters = new NatsDeadLetters(jetstream(connection), settings.jetstream);
    for (const [classUid, writer] of writers) {
      consumers.push(new NatsEventConsumer({ service: options.service, classUid, writer, connection, settings: settings.jetstream, deadLetters, metrics, logger }));
    }
    await Promise.all(consumers.map((consumer) => startUntilStopped(consumer, stop.signal, logger)));
    if (!stop.signal.aborted) logger.info({ consumers: consumers.map((consumer) => consumer.name), stream: settings.jetstream.stream }, 'consuming events from NATS');
  })().catch((error: unknown) => logger.error({ err: error }, 'ingestion did not start'));

  let closing: Promise<void> | undefined;
  return {
    routes: {},
    state: () => {
      const states = consumers.map((consumer) => consumer.state);
      if (states.length === 0 || states.includes('starting')) return 'connecting';
      return states.includes('holding') ? 'holding' : 'consuming';
    },
    close: () =>
      (closing ??= (async () => {
        stop.abort();
        await Promise.all(consumers.map((consumer) => consumer.stop()));
        await started;
        await connection?.close();
      })()),
  };
}

/** The writer, telling `onWritten` after each write that succeeded (what it wrote is committed by then). */
function notifying(writer: EventWriter<EventClassUid>, onWritten: (() => void) | undefined): EventWriter<EventClassUid> {
  if (!onWritten) return writer;
  return {
    async write(events) {
      await writer.write(events);
      onWritten();
    },
  };
}

/** The stream and consumer may not be creatable yet (JetStream starting, a permission being fixed): keep trying. */
async function startUntilStopped(consumer: NatsEventConsumer<EventClassUid>, signal: AbortSignal, logger: Logger): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    try {
      await consumer.start();
      return;
    } catch (error) {
      if (attempt === 0) logger.warn({ err: error, consumer: consumer.name }, 'could not start the event consumer; trying again');
      await pause(Math.min(10_000, 500 * 2 ** attempt), signal);
    }
  }
}
