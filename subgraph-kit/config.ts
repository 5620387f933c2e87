import { readNatsUrl } from '../lib/nats-url';
import { LOG_LEVELS, readEnum, readNodeEnv, readPort, readPositiveInt, type Environment, type NodeEnv } from '../lib/config';
import { readChangesLocation, type ChangesLocation } from '../lib/change-events/nats';
import { ConfigError } from '../lib/errors';
import { readPrincipalSecret } from '../lib/principal';

/** What every subgraph reads from its environment the same way; its store adds the URL of its database. */
export interface SubgraphSettings {
  host: string;
  port: number;
  /** Where /metrics is served: its own listener, which the public Service does not expose. */
  metricsHost: string;
  metricsPort: number;
  principalSecret: Buffer;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  /** Demo data seeded into an empty store: 1 is the default demo size, 0 none (the default in production). */
  demoDataScale: number;
  /** The most one store query may take before it is stopped and answered DEADLINE_EXCEEDED. */
  queryTimeoutMs: number;
  /** NATS JetStream for the changes a subgraph publishes; unset, it serves them at /changes itself. */
  natsUrl: string | undefined;
  /** The stream and subjects of this installation's changes in NATS. */
  changes: ChangesLocation;
}

/**
 * Below the gateway's SUBGRAPH_TIMEOUT_MS (10 s), so that a subgraph answers a slow query itself, as one
 * field's error, before the gateway gives up on the whole call.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/** The ports a subgraph listens on when PORT and METRICS_PORT are unset. */
export interface DefaultPorts {
  port: number;
  metricsPort: number;
}

export function readSubgraphSettings(env: Environment, defaults: DefaultPorts): SubgraphSettings {
  const nodeEnv = readNodeEnv(env);
  const host = env.HOST || '127.0.0.1';
  const port = readPort(env, 'PORT', defaults.port);
  const metricsHost = env.METRICS_HOST || host;
  const metricsPort = readPort(env, 'METRICS_PORT', defaults.metricsPort);
  if (metricsPort === port && metricsPort !== 0 && metricsHost === host) {
    throw new ConfigError('METRICS_PORT', `must differ from PORT (${port}): metrics are served on a listener of their own`);
  }
  return {
    host,
    port,
    metricsHost,
    metricsPort,
    principalSecret: readPrincipalSecret(env),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    nodeEnv,
    demoDataScale: readDemoDataScale(env, nodeEnv === 'production' ? 0 : 1),
    queryTimeoutMs: readPositiveInt(env, 'QUERY_TIMEOUT_MS', DEFAULT_QUERY_TIMEOUT_MS),
    natsUrl: readNatsUrl(env),
    changes: readChangesLocation(env),
  };
}

function readDemoDataScale(env: Environment, fallback: number): number {
  const raw = env.DEMO_DATA_SCALE;
  if (raw === undefined || raw === '') return fallback;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 0) throw new ConfigError('DEMO_DATA_SCALE', `expected a number of 0 or more (0 seeds nothing), got "${raw}"`);
  return scale;
}
