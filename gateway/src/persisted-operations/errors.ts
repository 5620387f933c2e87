import type { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../lib/errors';
import type { Principal } from '../../../lib/principal';
import { refusal as refusalOf } from '../pipeline/errors';

/** Apollo Router's codes for persisted operations, so that clients written for Router branch on the same ones. */
export const PersistedQueryErrorCode = {
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  PERSISTED_QUERY_ID_REQUIRED: 'PERSISTED_QUERY_ID_REQUIRED',
  QUERY_NOT_IN_SAFELIST: 'QUERY_NOT_IN_SAFELIST',
  CANNOT_SEND_PQ_ID_AND_BODY: 'CANNOT_SEND_PQ_ID_AND_BODY',
} as const;

/**
 * Router marks these refusals uncacheable: when a client is deployed before the manifest that lists its
 * operation, a cached refusal would outlive the reload that fixes it.
 */
const NOT_CACHEABLE = { 'cache-control': 'private, no-cache, must-revalidate' };

const ID_FIELDS = 'extensions.persistedQuery.sha256Hash, documentId or doc_id';

export function notInList(id: string, principal: Principal): GraphQLError {
  return refusal(
    `Persisted operation "${id}" is not in ${listOf(principal)}; send the id of a listed operation, or ${askToAdd(principal)}`,
    PersistedQueryErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
    404,
    true,
  );
}

export function idRequired(principal: Principal): GraphQLError {
  return refusal(
    `${clientName(principal)} must send operations by id (${ID_FIELDS}), not as a query body; ${askToAdd(principal)} if it is not listed yet`,
    PersistedQueryErrorCode.PERSISTED_QUERY_ID_REQUIRED,
    400,
    false,
  );
}

export function notInSafelist(principal: Principal): GraphQLError {
  const apq = principal.kind === 'script' ? ', send it with automatic persisted queries (extensions.persistedQuery)' : '';
  return refusal(
    `This operation is not in ${listOf(principal)}; send a listed operation by id (${ID_FIELDS}) or as its exact text${apq}, or ${askToAdd(principal)}`,
    PersistedQueryErrorCode.QUERY_NOT_IN_SAFELIST,
    403,
    true,
  );
}

export function cannotSendIdAndBody(): GraphQLError {
  return refusal(
    `Send either a persisted operation id (${ID_FIELDS}) or a query body, not both: an id names a listed operation, whose body the gateway already has`,
    PersistedQueryErrorCode.CANNOT_SEND_PQ_ID_AND_BODY,
    400,
    false,
  );
}

export function partnerCannotRegister(principal: Principal): GraphQLError {
  return refusal(
    `${clientName(principal)} may not register operations with automatic persisted queries; send the id of an operation listed for it (${ID_FIELDS}), and ${askToAdd(principal)}`,
    ErrorCode.FORBIDDEN,
    403,
    false,
  );
}

export function malformedId(field: string): GraphQLError {
  return refusal(`${field} must be a non-empty string: the id of a persisted operation`, 'BAD_REQUEST', 400, false);
}

/** APQ's answer to a hash it does not know (HTTP 200, as Apollo's clients expect): send the document with it. */
export function apqNotFound(): GraphQLError {
  return refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200, true);
}

export function apqHashMismatch(): GraphQLError {
  return refusal('provided sha does not match query', 'BAD_REQUEST', 400, false);
}

export function apqUnsupportedVersion(): GraphQLError {
  return refusal('Unsupported persisted query version: send extensions.persistedQuery.version 1', 'BAD_REQUEST', 400, false);
}

function refusal(message: string, code: string, status: number, uncacheable: boolean): GraphQLError {
  return refusalOf(message, code, uncacheable ? { status, headers: NOT_CACHEABLE } : { status });
}

function clientName(principal: Principal): string {
  return principal.clientId ? `Client ${principal.clientId}` : `This ${principal.kind} client`;
}

function listOf(principal: Principal): string {
  if (principal.kind !== 'partner') return 'the persisted operation list';
  return principal.clientId ? `the operations listed for client ${principal.clientId}` : 'any list: a partner token must carry a client_id';
}

function askToAdd(principal: Principal): string {
  if (principal.kind === 'partner') {
    return principal.clientId ? `ask for the operation to be added to the manifest for client ${principal.clientId}` : 'ask for a token with your client_id';
  }
  return 'ask for the operation to be added to the shared manifest (npm run pq:build)';
}
