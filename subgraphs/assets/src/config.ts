import { LOG_LEVELS, readEnum, readNodeEnv, readPort, requireInProduction, type Environment, type NodeEnv } from '../../../lib/config';
import { readMongoUrl } from '../../../lib/documents';
import { ConfigError } from '../../../lib/errors';
import { readPrincipalSecret } from '../../../lib/principal';

export interface AssetsConfig {
  port: number;
  host: string;
  /** MongoDB connection string; unset (outside production only) means the embedded document store. */
  mongodbUrl: string | undefined;
  principalSecret: Buffer;
  logLevel: (typeof LOG_LEVELS)[number];
  nodeEnv: NodeEnv;
  /** Demo data seeded into an empty store: 1 is about 5,000 assets over both tenants, 0 none. */
  demoDataScale: number;
}

export const DEFAULT_ASSETS_PORT = 4002;

/** Reads the assets service's environment, failing fast with a ConfigError that names the variable. */
export function readAssetsConfig(env: Environment): AssetsConfig {
  const nodeEnv = readNodeEnv(env);
  requireInProduction(env, 'MONGODB_URL', 'the assets store');
  return {
    port: readPort(env, 'PORT', DEFAULT_ASSETS_PORT),
    host: env.HOST || '127.0.0.1',
    mongodbUrl: readMongoUrl(env, 'MONGODB_URL'),
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
