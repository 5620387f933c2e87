import { readPartnerWriteClients } from '../../lib/authentication/agreed-scopes';
import { readAuthConfig, type AuthConfig } from '../../lib/authentication/config';
import { LOG_LEVELS, readEnum, readPort, readPositiveInt, readUrl, requireInProduction, type Environment } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { MAX_EVENTS_PER_DELIVERY } from '../../lib/ingestion/delivery';
import { EVENT_CLASS_UIDS, type EventClassUid } from '../../lib/ingestion/event';
import { readJetStreamSettings, type JetStreamSettings } from '../../lib/ingestion/jetstream';
import { readPrincipalSecret } from '../../lib/principal';

/** The classes the intake takes: every class Palisade knows, each with a subgraph that consumes it (EVENT_CLASSES names which). */
export const INTAKE_CLASSES: readonly EventClassUid[] = EVENT_CLASS_UIDS;

export const DEFAULT_PORT = 4004;
export const DEFAULT_METRICS_PORT = 9404;

/** Where events go: NATS JetStream, or straight to each consuming subgraph (the embedded default). */
export type Delivery = { kind: 'nats'; jetstream: JetStreamSettings } | { kind: 'http'; subgraphUrls: Readonly<Record<string, string>>; principalSecret: Buffer };

export interface IngestConfig {
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  logLevel: (typeof LOG_LEVELS)[number];
  tokens: AuthConfig;
  partnerWriteClients: ReadonlySet<string>;
  delivery: Delivery;
  /** The most bytes a request's body may hold, compressed and uncompressed. */
  maxBodyBytes: number;
  /** The most events (non-empty lines) one request may hold. */
  maxEvents: number;
  /** Requests being processed at once; beyond, 429. */
  maxInFlight: number;
  /** With NATS: events waiting in the stream beyond which producers are slowed with 429. */
  maxBacklog: number;
  auditLog: string;
}

/**
 * INGEST_*, the token settings the gateway reads (JWKS_URL or JWKS_FILE, JWT_ISSUER, JWT_AUDIENCE,
 * PARTNER_WRITE_CLIENTS), and NATS_URL, which production requires: without it events go straight to the
 * subgraphs, which is the embedded default's way and serves development only.
 */
export function readIngestConfig(env: Environment): IngestConfig {
  const host = env.HOST || '127.0.0.1';
  const port = readPort(env, 'PORT', DEFAULT_PORT);
  const metricsHost = env.METRICS_HOST || host;
  const metricsPort = readPort(env, 'METRICS_PORT', DEFAULT_METRICS_PORT);
  if (metricsPort === port && port !== 0 && metricsHost === host) throw new ConfigError('METRICS_PORT', `must differ from PORT (${port}): metrics are served on a listener of their own`);
  requireInProduction(env, 'NATS_URL', 'the NATS JetStream server events are published to');
  const jetstream = readJetStreamSettings(env);
  return {
    host,
    port,
    metricsHost,
    metricsPort,
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    tokens: readAuthConfig(env),
    partnerWriteClients: readPartnerWriteClients(env),
    delivery: jetstream ? { kind: 'nats', jetstream } : { kind: 'http', subgraphUrls: readSubgraphUrls(env), principalSecret: readPrincipalSecret(env) },
    maxBodyBytes: readPositiveInt(env, 'INGEST_MAX_BODY_BYTES', 10 * 1024 * 1024),
    maxEvents: readMaxEvents(env, jetstream === undefined),
    maxInFlight: readPositiveInt(env, 'INGEST_MAX_IN_FLIGHT', 8),
    maxBacklog: readPositiveInt(env, 'INGEST_MAX_BACKLOG', 100_000),
    auditLog: env.AUDIT_LOG || 'stdout',
  };
}

/** The GraphQL URL of each subgraph that consumes a class the intake takes; its /ingest/ path is on the same origin. */
function readSubgraphUrls(env: Environment): Record<string, string> {
  return {
    identity: readUrl(env, 'SUBGRAPH_IDENTITY_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:4001/graphql',
    assets: readUrl(env, 'SUBGRAPH_ASSETS_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:4002/graphql',
    incidents: readUrl(env, 'SUBGRAPH_INCIDENTS_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:4003/graphql',
  };
}

/**
 * INGEST_MAX_EVENTS. On the embedded path a request's events of one class are one delivery to its subgraph, which
 * takes at most MAX_EVENTS_PER_DELIVERY: a larger bound would have every large batch refused there.
 */
function readMaxEvents(env: Environment, embedded: boolean): number {
  const maxEvents = readPositiveInt(env, 'INGEST_MAX_EVENTS', MAX_EVENTS_PER_DELIVERY);
  if (embedded && maxEvents > MAX_EVENTS_PER_DELIVERY) {
    throw new ConfigError('INGEST_MAX_EVENTS', `must be at most ${MAX_EVENTS_PER_DELIVERY} without NATS_URL: the events of one class in a request go to their subgraph in one delivery, which takes at most ${MAX_EVENTS_PER_DELIVERY}`);
  }
  return maxEvents;
}
