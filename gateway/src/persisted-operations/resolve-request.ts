import type { Principal } from '../../../lib/principal';
import type { GraphQLParams } from '../pipeline/request';
import { cannotSendIdAndBody, idRequired, malformedId, notInList, notInSafelist, partnerCannotRegister } from './errors';
import { EMPTY_SET, type OperationList, type OperationSet } from './operation-list';
import { normalizeBody, sha256Hex, type PersistedOperation } from './persisted-operation';

/**
 * off: ids resolve, anything else runs. audit: the same, and what enforce would refuse is logged.
 * enforce: partners run only their listed operations, by id; scripts run listed operations or APQ;
 * users follow UserOperationPolicy.
 */
export const PERSISTED_QUERIES_MODES = ['off', 'audit', 'enforce'] as const;
export type PersistedQueriesMode = (typeof PERSISTED_QUERIES_MODES)[number];

/** What users (the frontend) may run under enforce: anything, or listed operations only. */
export const USER_OPERATION_POLICIES = ['any', 'safelist'] as const;
export type UserOperationPolicy = (typeof USER_OPERATION_POLICIES)[number];

export interface ResolutionPolicy {
  mode: PersistedQueriesMode;
  users: UserOperationPolicy;
}

export interface ResolvedRequest {
  /** What runs: a listed id replaced by its document, the id fields removed. */
  params: GraphQLParams;
  /** Set when the request runs a listed operation (for the audit trail and metrics). */
  persistedOperationId?: string;
  /** An APQ hash the lists do not hold: automatic persisted queries look it up, or register the document sent with it. */
  apqHash?: string;
}

/** What audit mode logs: who ran an operation enforce would refuse, and its hash; never its variables. */
export interface UnlistedOperation {
  principal: Principal;
  operationHash: string;
  operationName: string | null;
}

/**
 * Decides what runs for this principal. Throws a GraphQLError with Router's code and an HTTP status when
 * the request is refused. Only map lookups and lexing happen here: every listed document was parsed and
 * validated when the manifest was loaded.
 */
export function resolveRequest(
  list: OperationList,
  policy: ResolutionPolicy,
  params: GraphQLParams,
  principal: Principal,
  onUnlisted: (operation: UnlistedOperation) => void,
): ResolvedRequest {
  const enforce = policy.mode === 'enforce';
  const partner = principal.kind === 'partner';
  const own = partner ? (list.clients.get(principal.clientId ?? '') ?? EMPTY_SET) : list.shared;
  // Outside enforce, an id of the shared list runs for a partner too: sending its body would run anyway.
  const others: OperationSet = !enforce && partner ? list.shared : EMPTY_SET;
  const find = (id: string) => own.find(id) ?? others.find(id);
  const listedOnly = enforce && (partner || principal.kind === 'script' || (principal.kind === 'user' && policy.users === 'safelist'));
  const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
  const audit = (operationHash: string, operationName: string | null) => {
    if (policy.mode === 'audit') onUnlisted({ principal, operationHash, operationName });
  };
  const run = (operation: PersistedOperation): ResolvedRequest => {
    if (!own.includes(operation)) audit(operation.hash, operation.name);
    return { params: withDocument(params, operation), persistedOperationId: operation.id };
  };

  const documentId = readDocumentId(params);
  if (documentId !== undefined) {
    if (query !== undefined) throw cannotSendIdAndBody();
    const operation = find(documentId);
    if (!operation) throw notInList(documentId, principal);
    return run(operation);
  }

  const apqHash = readApqHash(params);
  if (apqHash !== undefined) {
    // A hash with a body is how APQ registers a document: a partner runs agreed operations only.
    if (enforce && partner && query !== undefined) throw partnerCannotRegister(principal);
    const operation = find(apqHash);
    if (operation) {
      if (query !== undefined && normalizeBody(query) !== operation.normalizedBody) throw cannotSendIdAndBody();
      return run(operation);
    }
    if (listedOnly && principal.kind !== 'script') throw query === undefined ? notInList(apqHash, principal) : notInSafelist(principal);
    // Left to APQ: it answers PERSISTED_QUERY_NOT_FOUND, or registers the body sent with the hash.
    audit(apqHash, params.operationName ?? null);
    return { params, apqHash };
  }

  // No id and no body: the pipeline answers that a query is required.
  if (query === undefined) return { params };
  if (enforce && partner) throw idRequired(principal);
  const normalized = normalizeBody(query);
  const operation = normalized === undefined ? undefined : (own.findBody(normalized) ?? others.findBody(normalized));
  if (operation && own.includes(operation)) return { params, persistedOperationId: operation.id };
  if (listedOnly) throw notInSafelist(principal);
  audit(sha256Hex(query), params.operationName ?? operation?.name ?? null);
  return operation ? { params, persistedOperationId: operation.id } : { params };
}

function readDocumentId(params: GraphQLParams): string | undefined {
  for (const field of ['documentId', 'doc_id'] as const) {
    const value: unknown = params[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value === '') throw malformedId(field);
    return value;
  }
  return undefined;
}

/** Apollo's `extensions.persistedQuery.sha256Hash`; a malformed extension is left for APQ to refuse. */
function readApqHash(params: GraphQLParams): string | undefined {
  const persistedQuery = params.extensions?.persistedQuery;
  if (typeof persistedQuery !== 'object' || persistedQuery === null) return undefined;
  const hash = (persistedQuery as Record<string, unknown>).sha256Hash;
  return typeof hash === 'string' && hash !== '' ? hash : undefined;
}

/** The listed document in place of the id, so that APQ never sees a listed operation. */
function withDocument(params: GraphQLParams, operation: PersistedOperation): GraphQLParams {
  const { documentId: _documentId, doc_id: _docId, extensions, ...rest } = params;
  const resolved: GraphQLParams = { ...rest, query: operation.body };
  if (extensions) {
    const { persistedQuery: _persistedQuery, ...otherExtensions } = extensions;
    if (Object.keys(otherExtensions).length > 0) resolved.extensions = otherExtensions;
  }
  return resolved;
}
