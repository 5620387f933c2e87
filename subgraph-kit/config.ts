import { LOG_LEVELS, readEnum, readNodeEnv, type Environment, type NodeEnv } from '../lib/config';
import { ConfigError } from '../lib/errors';
import { readPrincipalSecret } from '../lib/principal';

/** The settings every subgraph reads the same way; each service adds its port and its store. */
export interface SubgraphEnvironment {
  host: string;
  principalSecret: Buffer;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  /** Demo data seeded into an empty store: 1 is the default demo size, 0 none (the default in production). */
  demoDataScale: number;
}

export function readSubgraphEnvironment(env: Environment): SubgraphEnvironment {
  const nodeEnv = readNodeEnv(env);
  return {
    host: env.HOST || '127.0.0.1',
    principalSecret: readPrincipalSecret(env),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    nodeEnv,
    demoDataScale: readDemoDataScale(env, nodeEnv === 'production' ? 0 : 1),
  };
}

function readDemoDataScale(env: Environment, fallback: number): number {
  const raw = env.DEMO_DATA_SCALE;
  if (raw === undefined || raw === '') return fallback;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 0) throw new ConfigError('DEMO_DATA_SCALE', `expected a number of 0 or more (0 seeds nothing), got "${raw}"`);
  return scale;
}
