import { LOG_LEVELS, readEnum, readNodeEnv, readPort, readUrl, requireInProduction, type Environment, type NodeEnv } from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';
import { readPrincipalSecret } from '../../../lib/principal';

export interface IdentityConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string; unset outside production means PGlite in memory. */
  databaseUrl: string | undefined;
  principalSecret: Buffer;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  /** Demo data seeded into an empty database: 1 is about 1,000 users over both tenants, 0 none. */
  demoDataScale: number;
}

export const DEFAULT_IDENTITY_PORT = 4001;

/** Reads the identity service's environment, failing fast with a ConfigError that names the variable. */
export function readIdentityConfig(env: Environment): IdentityConfig {
  const nodeEnv = readNodeEnv(env);
  requireInProduction(env, 'DATABASE_URL', 'the identity PostgreSQL database');
  return {
    port: readPort(env, 'PORT', DEFAULT_IDENTITY_PORT),
    host: env.HOST || '127.0.0.1',
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
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
