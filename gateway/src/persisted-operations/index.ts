import type { Logger } from '../../../lib/logger';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { OperationRequest } from '../pipeline/request';
import type { ServedSchema } from '../pipeline/served-schema';
import { sha256Hex } from '../pipeline/documents';
import type { ApqStore } from './apq-store';
import type { PersistedQueriesConfig } from './config';
import { apqHashMismatch, apqNotFound, apqUnsupportedVersion } from './errors';
import { EMPTY_LIST } from './operation-list';
import { PersistedOperations } from './persisted-operations';
import { resolveRequest } from './resolve-request';

export interface PersistedOperationsPlugin extends GatewayPlugin {
  /** The trusted documents in use, when PERSISTED_QUERIES names them. */
  readonly list: PersistedOperations | undefined;
  /** Loads and validates the trusted documents against the first supergraph; a bad manifest stops the start. */
  onStart(schema: ServedSchema): void;
}

/**
 * Persisted operations: trusted documents (Apollo's manifest, Relay's map, `documentId`) and automatic
 * persisted queries (APQ). An id is resolved to its document before anything reads the text, so every later
 * check sees the operation that runs; under enforce, partners run only their listed operations and scripts
 * only listed ones or APQ. A document sent with an APQ hash is registered only once it ran: it parsed,
 * validated and passed every limit.
 */
export function usePersistedOperations(
  config: PersistedQueriesConfig,
  apq: ApqStore,
  logger: Logger,
  onApqLookup: (result: 'hit' | 'miss') => void = () => undefined,
): PersistedOperationsPlugin {
  let list: PersistedOperations | undefined;
  const registrations = new WeakMap<OperationRequest, string>();
  return {
    name: 'persisted-operations',
    get list() {
      return list;
    },
    onStart(schema: ServedSchema) {
      if (config.path) list = PersistedOperations.load({ path: config.path, schema: schema.api, mode: config.mode, users: config.users, logger });
    },
    onSchema(schema) {
      list?.updateSchema(schema.api);
    },
    async onParams(operation) {
      const principal = operation.principal;
      const resolved = list ? list.resolve(operation.params, principal) : resolveRequest(EMPTY_LIST, { mode: 'off', users: 'any' }, operation.params, principal, () => undefined);
      operation.params = resolved.params;
      operation.persistedOperationId = resolved.persistedOperationId;
      if (resolved.apqHash === undefined) return;
      const persistedQuery = operation.params.extensions?.persistedQuery as { version?: unknown };
      if (persistedQuery.version !== 1) throw apqUnsupportedVersion();
      // Hex in either case is one hash: documents are registered, and so looked up, under the lower-case form.
      const hash = resolved.apqHash.toLowerCase();
      const { query } = operation.params;
      if (query === undefined || query === '') {
        const text = await apq.get(hash);
        onApqLookup(text === undefined ? 'miss' : 'hit');
        if (text === undefined) throw apqNotFound();
        operation.params = { ...operation.params, query: text };
        return;
      }
      if (sha256Hex(query) !== hash) throw apqHashMismatch();
      registrations.set(operation, hash);
    },
    onResult(operation, result) {
      const hash = registrations.get(operation);
      if (hash === undefined || result.status !== undefined || operation.text === undefined) return;
      apq.set(hash, operation.text).catch((error: unknown) => logger.warn({ err: error }, 'APQ registration failed; the client will send the document again'));
    },
    close: async () => list?.close(),
  };
}
