import { readPort, requireInProduction, type Environment } from '../../../lib/config';
import { readMongoUrl } from '../../../subgraph-kit/documents';
import { readSubgraphEnvironment, type SubgraphEnvironment } from '../../../subgraph-kit/config';

export interface AssetsConfig extends SubgraphEnvironment {
  port: number;
  /** MongoDB connection string; unset outside production means the embedded document store. */
  mongodbUrl: string | undefined;
}

export const DEFAULT_ASSETS_PORT = 4002;

/** Reads the assets service's environment, failing fast with a ConfigError that names the variable. */
export function readAssetsConfig(env: Environment): AssetsConfig {
  requireInProduction(env, 'MONGODB_URL', 'the assets store');
  return {
    ...readSubgraphEnvironment(env),
    port: readPort(env, 'PORT', DEFAULT_ASSETS_PORT),
    mongodbUrl: readMongoUrl(env, 'MONGODB_URL'),
  };
}
