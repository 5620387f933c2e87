import type { ClientKind } from '../../../lib/principal';
import { codeOf } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { OperationRequest, OperationResult } from '../pipeline/request';
import type { AuditSink } from '../../../lib/audit-sink';

/** One line per operation. It never holds a token, a header, or a variable's value. */
export interface AuditRecord {
  time: string;
  requestId: string;
  sub: string | null;
  clientId: string | null;
  kind: ClientKind | null;
  tenant: string | null;
  operationName: string | null;
  /** The persisted operation's id, or the SHA-256 of the document. */
  operationId: string | null;
  sensitiveFieldsRead: string[];
  deniedFields: string[];
  /**
   * rejected: refused before it ran (a limit, cost, a rate limit, a persisted-operation rule, validation);
   * subscribed and ended: a subscription's start and its end (durationMs: how long it was open).
   */
  outcome: 'success' | 'partial' | 'error' | 'unauthenticated' | 'rejected' | 'subscribed' | 'ended';
  errorCodes: string[];
  durationMs: number;
  /** Why a subscription ended: completed by the client, token expired, fell behind, shutdown. */
  endReason?: string;
}

/**
 * The audit trail: a line for every operation, whatever became of it: who asked (or that nobody could be
 * authenticated), what ran, which sensitive fields were read and which were denied, and the outcome.
 */
export function useAudit(sink: AuditSink, isSensitive: (coordinate: string) => boolean): GatewayPlugin {
  // Authorization hands every request of one document and scope set the same list of granted fields (a new
  // supergraph, new lists), so each list is sorted into sensitive and not once.
  const sensitive = new WeakMap<readonly string[], string[]>();
  const sensitiveOf = (granted: readonly string[]) => {
    let fields = sensitive.get(granted);
    if (!fields) sensitive.set(granted, (fields = granted.filter(isSensitive)));
    return fields;
  };
  return {
    name: 'audit',
    onResult(operation, result) {
      sink(JSON.stringify(auditRecord(operation, result, sensitiveOf)));
    },
  };
}

function auditRecord(operation: OperationRequest, result: OperationResult, sensitiveOf: (granted: readonly string[]) => string[]): AuditRecord {
  const { request } = operation;
  const principal = request.principal;
  const errors = result.errors ?? [];
  const errorCodes = [...new Set(errors.map(codeOf))];
  const refused = result.status !== undefined && result.status >= 400;
  return {
    time: new Date().toISOString(),
    requestId: request.id,
    sub: principal?.sub ?? null,
    clientId: principal?.clientId ?? null,
    kind: principal?.kind ?? null,
    tenant: principal?.tenant ?? null,
    operationName: operation.operationName ?? null,
    operationId: operation.persistedOperationId ?? operation.queryHash ?? null,
    sensitiveFieldsRead: sensitiveOf(operation.grantedFields),
    deniedFields: operation.deniedFields,
    outcome: outcomeOf(principal !== undefined, refused, result),
    errorCodes,
    durationMs: Math.round(performance.now() - request.startedAt),
    ...(result.subscription === 'ended' ? { endReason: result.reason } : {}),
  };
}

function outcomeOf(authenticated: boolean, refused: boolean, result: OperationResult): AuditRecord['outcome'] {
  if (!authenticated) return 'unauthenticated';
  if (refused) return 'rejected';
  if (result.subscription === 'started') return 'subscribed';
  if (result.subscription === 'ended') return 'ended';
  const errors = result.errors ?? [];
  return errors.length === 0 ? 'success' : result.data ? 'partial' : 'error';
}
