import { readEnum, readPositiveInt, type Environment } from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';
import { DEFAULT_APQ_TTL_SECONDS } from './apq-store';
import { PERSISTED_QUERIES_MODES, USER_OPERATION_POLICIES, type PersistedQueriesMode, type UserOperationPolicy } from './resolve-request';

export interface PersistedQueriesConfig {
  /** One manifest file, or a directory holding manifest.json and clients/<client_id>.json; undefined: no list. */
  path: string | undefined;
  mode: PersistedQueriesMode;
  users: UserOperationPolicy;
  /** How long a document registered with APQ stays in the shared cache. */
  apqTtlSeconds: number;
}

/**
 * PERSISTED_QUERIES (path), PERSISTED_QUERIES_MODE (off, audit, enforce; enforce when a path is set, off
 * otherwise), PERSISTED_QUERIES_USERS (any, safelist; default any), APQ_TTL_SECONDS (default one day).
 */
export function readPersistedQueriesConfig(env: Environment): PersistedQueriesConfig {
  const path = env.PERSISTED_QUERIES || undefined;
  const mode = readEnum(env, 'PERSISTED_QUERIES_MODE', PERSISTED_QUERIES_MODES, path ? 'enforce' : 'off');
  if (mode !== 'off' && !path) {
    throw new ConfigError('PERSISTED_QUERIES', `is required when PERSISTED_QUERIES_MODE=${mode}: the manifest file, or a directory with manifest.json and clients/<client_id>.json`);
  }
  return {
    path,
    mode,
    users: readEnum(env, 'PERSISTED_QUERIES_USERS', USER_OPERATION_POLICIES, 'any'),
    apqTtlSeconds: readPositiveInt(env, 'APQ_TTL_SECONDS', DEFAULT_APQ_TTL_SECONDS),
  };
}
