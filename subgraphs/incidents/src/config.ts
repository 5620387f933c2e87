import { readPort, requireInProduction, type Environment } from '../../../lib/config';
import { readMongoUrl } from '../../../subgraph-kit/documents';
import { readSubgraphEnvironment, type SubgraphEnvironment } from '../../../subgraph-kit/config';

export interface IncidentsConfig extends SubgraphEnvironment {
  port: number;
  /** MongoDB connection string; unset outside production means the embedded document store. */
  mongodbUrl: string | undefined;
}

export const DEFAULT_INCIDENTS_PORT = 4003;

/** Reads the incidents service's environment, failing fast with a ConfigError that names the variable. */
export function readIncidentsConfig(env: Environment): IncidentsConfig {
  requireInProduction(env, 'MONGODB_URL', 'the incidents store');
  return {
    ...readSubgraphEnvironment(env),
    port: readPort(env, 'PORT', DEFAULT_INCIDENTS_PORT),
    mongodbUrl: readMongoUrl(env, 'MONGODB_URL'),
  };
}
