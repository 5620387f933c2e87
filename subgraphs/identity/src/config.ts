import { readPort, readUrl, requireInProduction, type Environment } from '../../../lib/config';
import { readSubgraphEnvironment, type SubgraphEnvironment } from '../../../subgraph-kit/config';

export interface IdentityConfig extends SubgraphEnvironment {
  port: number;
  /** PostgreSQL connection string; unset outside production means PGlite in memory. */
  databaseUrl: string | undefined;
}

export const DEFAULT_IDENTITY_PORT = 4001;

/** Reads the identity service's environment, failing fast with a ConfigError that names the variable. */
export function readIdentityConfig(env: Environment): IdentityConfig {
  requireInProduction(env, 'DATABASE_URL', 'the identity PostgreSQL database');
  return {
    ...readSubgraphEnvironment(env),
    port: readPort(env, 'PORT', DEFAULT_IDENTITY_PORT),
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
  };
}
