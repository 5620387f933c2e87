import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ChangePublisher } from '../lib/change-events/change-event';
import { NatsChanges, type ChangesLocation } from '../lib/change-events/nats';
import { CHANGES_PATH, ChangeStream } from '../lib/change-events/stream';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Environment } from '../lib/config';
import { ConfigError } from '../lib/errors';
import { close as closeServer, createMetricsServer, listen, type Readiness } from '../lib/http-server';
import { createLogger, type Logger } from '../lib/logger';
import type { Principal } from '../lib/principal';
import { stopOnSignals } from '../lib/service';
import { DEFAULT_QUERY_TIMEOUT_MS, readSubgraphSettings, type SubgraphSettings } from './config';
import { SubgraphMetrics } from './metrics';
import { createSubgraphApollo, createSubgraphHttpServer, type SubgraphContext } from './server';
import type { ChangeRelay, ChangeRelaySettings } from './documents/change-relay';
import { readIngestionSettings, startIngestion, type AnyEventConsumer, type IngestionSettings } from './ingestion';
import type { StoreKind } from './store';
import type { StoreStats } from './store-observer';

/** What makes one subgraph: its schema, its resolvers, its store and how a request reaches that store. */
export interface SubgraphDefinition<TStore, TDatabase, TLoaders> {
  /** The service name, as the supergraph, logs, metrics and error extensions name it. */
  name: string;
  /** The port served when PORT is unset. */
  port: number;
  /** The port /metrics is served on when METRICS_PORT is unset. */
  metricsPort: number;
  /** The subgraph's schema.graphql. */
  schemaPath: string;
  resolvers: GraphQLResolverMap<SubgraphContext<TLoaders>>;
  store: StoreKind<TStore, TDatabase>;
  /**
   * Creates one request's loaders over the store, for the request's verified principal: called once per
   * request, so loaders (and their caches) are never shared between requests or tenants.
   */
  createLoaders(store: TStore, principal: Principal, metrics: SubgraphMetrics): TLoaders;
  /** The OCSF event classes the subgraph consumes, each with its writer (see subgraph-kit/ingestion). */
  ingestion?: ReadonlyArray<AnyEventConsumer<TStore>>;
  /**
   * For a subgraph that owns subscription fields: starts the relay that publishes the changes it commits (see
   * documents/change-relay.ts). The kit gives it the publisher: NATS JetStream when NATS_URL is set, otherwise
   * the subgraph's own change stream at /changes, which the gateway reads. The relay is nudged after every mutation.
   */
  changes?(store: TStore, publisher: ChangePublisher, logger: Logger, settings: ChangeRelaySettings): ChangeRelay;
}

/** A subgraph's configuration: the settings every subgraph reads, and the URL of its database. */
export interface SubgraphConfig extends SubgraphSettings {
  /** DATABASE_URL or MONGODB_URL; undefined selects the embedded store. */
  storeUrl: string | undefined;
  /** How events arrive, for a subgraph that consumes some: NATS_URL, else the embedded intake's deliveries. */
  ingestion: IngestionSettings;
}

/** What a service is built with; run() takes it from the environment, tests and the benchmark give it. */
export interface SubgraphOptions<TDatabase> {
  /** The secret the gateway signs the principal header with; requests without a valid signature get 401. */
  principalSecret: Buffer;
  logger: Logger;
  /** Demo data seeded when the store is empty; 0 seeds nothing. */
  demoDataScale: number;
  /** The most one store query may take; DEFAULT_QUERY_TIMEOUT_MS when not given. */
  queryTimeoutMs?: number;
  /** An already opened database, which the service then owns and closes (tests hand one in to read its stats). */
  database?: TDatabase;
  /** Used when no database is given: the server's URL, or undefined for the embedded store. */
  storeUrl?: string;
  /** NATS JetStream for published changes; undefined serves them at /changes. */
  natsUrl?: string;
  /** The stream and subjects of the changes in NATS; the default stream when not given. */
  changes?: ChangesLocation;
  /**
   * How often the change relay looks for changes nobody nudged it about (1 s when not given). Each look is a
   * round trip to the store; tests that count a request's round trips lengthen it.
   */
  changeSweepIntervalMs?: number;
  /** How events arrive, for a subgraph that consumes some; without it, it takes none. */
  ingestion?: IngestionSettings;
}

/**
 * A running subgraph, built by create() (which never listens) and bound to its ports by run() or by a test
 * (port 0).
 */
export interface SubgraphService {
  readonly name: string;
  /** /graphql, /healthz and /readyz. */
  readonly httpServer: Server;
  /** /metrics, on a listener of its own. */
  readonly metricsServer: Server;
  /** Round trips to the service's database; tests read it to prove batching. */
  readonly stats: StoreStats;
  readonly metrics: SubgraphMetrics;
  readiness(): Promise<Readiness>;
  /** Stops both listeners, then Apollo Server, then closes the store. Safe to call twice. */
  close(): Promise<void>;
}

/** A subgraph as create() builds it: a service, and what tests run operations through without HTTP. */
export interface AssembledSubgraph<TLoaders> extends SubgraphService {
  /** executeOperation with a context whose loaders come from createLoaders. */
  readonly apollo: ApolloServer<SubgraphContext<TLoaders>>;
  createLoaders(principal: Principal): TLoaders;
}

/** The publisher of a subgraph's changes and its relay; with the embedded stream, the route that serves it. */
async function openChangePublishing<TStore>(
  startRelay: NonNullable<SubgraphDefinition<TStore, unknown, unknown>['changes']>,
  store: TStore,
  options: Pick<SubgraphOptions<unknown>, 'natsUrl' | 'changes' | 'changeSweepIntervalMs' | 'principalSecret' | 'logger'>,
) {
  const stream = options.natsUrl ? undefined : new ChangeStream({ secret: options.principalSecret, logger: options.logger });
  const publisher: ChangePublisher = stream ?? (await NatsChanges.connect({ url: options.natsUrl!, logger: options.logger, ...options.changes }));
  const relay = startRelay(store, publisher, options.logger, { sweepIntervalMs: options.changeSweepIntervalMs });
  return {
    relay,
    routes: stream ? { [CHANGES_PATH]: (request: IncomingMessage, response: ServerResponse) => stream.handle(request, response) } : undefined,
    async close() {
      await relay.close();
      await publisher.close();
    },
  };
}

export interface Subgraph<TDatabase, TLoaders> {
  readonly name: string;
  /** Reads the environment, failing fast with a ConfigError that names the variable. */
  readConfig(env: Environment): SubgraphConfig;
  create(options: SubgraphOptions<TDatabase>): Promise<AssembledSubgraph<TLoaders>>;
  /**
   * Reads the environment, builds the service, listens, and stops on SIGINT or SIGTERM. A bad variable ends the
   * process with exit code 1 and a message naming it.
   */
  run(env?: Environment): void;
}

/**
 * Turns a subgraph's definition into a service: configuration, Apollo Server over its SDL (errors with codes,
 * bounded inputs, page sizes from the SDL), the signed-principal HTTP front with health and readiness, metrics on
 * their own listener, its store opened and prepared, and an orderly stop.
 */
export function defineSubgraph<TStore, TDatabase, TLoaders>(definition: SubgraphDefinition<TStore, TDatabase, TLoaders>): Subgraph<TDatabase, TLoaders> {
  const { name } = definition;

  function readConfig(env: Environment): SubgraphConfig {
    const storeUrl = definition.store.readUrl(env, name);
    const ingestion: IngestionSettings = definition.ingestion ? readIngestionSettings(env, definition.ingestion) : { transport: 'off' };
    return { ...readSubgraphSettings(env, definition), storeUrl, ingestion };
  }

  async function create(options: SubgraphOptions<TDatabase>): Promise<AssembledSubgraph<TLoaders>> {
    const { logger } = options;
    const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    const metrics = new SubgraphMetrics(name);
    const opened = await definition.store.open({
      service: name,
      url: options.storeUrl,
      database: options.database,
      logger,
      observe: metrics.observeDatabase,
      queryTimeoutMs,
      demoDataScale: options.demoDataScale,
    });
    const createLoaders = (principal: Principal) => definition.createLoaders(opened.store, principal, metrics);
    const changes = definition.changes && (await openChangePublishing(definition.changes, opened.store, options));
    const apollo = createSubgraphApollo({
      name,
      typeDefs: readFileSync(definition.schemaPath, 'utf8'),
      resolvers: definition.resolvers,
      logger,
      metrics,
      queryTimeoutMs,
      onMutation: changes?.relay.nudge,
    });
    await apollo.start();
    const ingestion =
      definition.ingestion && options.ingestion && options.ingestion.transport !== 'off'
        ? startIngestion({
            service: name,
            consumers: definition.ingestion,
            store: opened.store,
            settings: options.ingestion,
            principalSecret: options.principalSecret,
            registry: metrics.registry,
            logger,
            // What a batch changed is published as soon as it is committed, as after a mutation.
            onWritten: changes?.relay.nudge,
          })
        : undefined;
    // Ingestion is reported, and never makes the subgraph unready: queries are served whatever NATS does.
    const readiness = async () => {
      const ready = await opened.readiness();
      return ingestion ? { ...ready, checks: { ...ready.checks, ingestion: ingestion.state() } } : ready;
    };
    const routes = { ...changes?.routes, ...ingestion?.routes };
    const httpServer = createSubgraphHttpServer({ apollo, createLoaders, principalSecret: options.principalSecret, readiness, logger, routes });
    const metricsServer = createMetricsServer(() => metrics.exposition(), logger);
    let closing: Promise<void> | undefined;
    const close = async () => {
      await Promise.all([closeServer(httpServer), closeServer(metricsServer)]);
      // The batches in hand finish before the store they are written to closes.
      await ingestion?.close();
      await apollo.stop();
      await changes?.close();
      await opened.close();
    };
    return { name, httpServer, metricsServer, stats: opened.stats, apollo, createLoaders, metrics, readiness, close: () => (closing ??= close()) };
  }

  function run(env: Environment = process.env): void {
    const start = async () => {
      const config = readConfig(env);
      const logger = createLogger(name, config.logLevel);
      const service = await create({ ...config, logger });
      const address = await listen(service.httpServer, config.port, config.host);
      const metricsAddress = await listen(service.metricsServer, config.metricsPort, config.metricsHost);
      logger.info(
        { url: `http://${config.host}:${address.port}/graphql`, metrics: `http://${config.metricsHost}:${metricsAddress.port}/metrics` },
        `${name} subgraph listening`,
      );
      stopOnSignals(`${name} subgraph`, () => service.close(), logger);
    };
    start().catch((error: unknown) => {
      if (error instanceof ConfigError) console.error(`${name}: configuration error: ${error.message}`);
      else console.error(`${name}: failed to start`, error);
      process.exit(1);
    });
  }

  return { name, readConfig, create, run };
}
