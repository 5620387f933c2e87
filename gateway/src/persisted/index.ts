/** Persisted operations: manifests, the registry the gateway resolves requests against, and the shared APQ cache. */
export { apiSchemaFromSupergraph } from './api-schema';
export { DEFAULT_APQ_TTL_SECONDS, RedisApqCache, type RedisApqCacheOptions } from './apq-cache';
export { readPersistedQueriesConfig, type PersistedQueriesConfig } from './config';
export { PersistedQueryErrorCode } from './errors';
export { ManifestError } from './manifest';
export { PersistedOperations, type PersistedOperationsOptions, type PersistedOperationsStats, type ReloadOutcome } from './persisted-operations';
export {
  PERSISTED_QUERIES_MODES,
  USER_OPERATION_POLICIES,
  type GraphQLRequestBody,
  type PersistedQueriesMode,
  type ResolvedRequest,
  type UserOperationPolicy,
} from './resolve-request';
