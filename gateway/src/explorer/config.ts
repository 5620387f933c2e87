import { readEnum, type Environment } from '../../../lib/config';

export interface ExplorerConfig {
  /** Served on a browser's GET /graphql and /. */
  enabled: boolean;
  /** The example operations opened as tabs: a folder of .graphql files. */
  operationsDir: string;
}

/** EXPLORER: on outside production, off in production unless set to on; EXPLORER_OPERATIONS: the example operations. */
export function readExplorerConfig(env: Environment, production: boolean): ExplorerConfig {
  return {
    enabled: readEnum(env, 'EXPLORER', ['on', 'off'], production ? 'off' : 'on') === 'on',
    operationsDir: env.EXPLORER_OPERATIONS || 'schema/operations',
  };
}
