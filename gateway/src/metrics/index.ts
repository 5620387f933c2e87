import { codeOf } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { OperationResult } from '../pipeline/request';
import type { GatewayMetrics } from './gateway-metrics';

/** The reason a refusal is counted under, when its code alone says it (a limit's refusal names its limit). */
const REJECTION_REASONS: Record<string, string> = {
  UNAUTHENTICATED: 'unauthenticated',
  SERVICE_UNAVAILABLE: 'unauthenticated',
  RATE_LIMITED: 'rate_limit',
  COST_ESTIMATED_TOO_EXPENSIVE: 'cost',
  BATCHING_NOT_ALLOWED: 'batching',
  PERSISTED_QUERY_NOT_IN_LIST: 'persisted_operations',
  PERSISTED_QUERY_ID_REQUIRED: 'persisted_operations',
  QUERY_NOT_IN_SAFELIST: 'persisted_operations',
  CANNOT_SEND_PQ_ID_AND_BODY: 'persisted_operations',
  FORBIDDEN: 'forbidden',
  GRAPHQL_VALIDATION_FAILED: 'validation',
  GRAPHQL_PARSE_FAILED: 'parse',
};

/**
 * Counts every operation by name, client kind and outcome, times it, and counts refusals by reason. Operation
 * names are labels only while few (see GatewayMetrics.operationLabel). The other metrics (subgraph fetches,
 * breakers, caches, deduplication, reloads) are reported by the parts that see them, into the same registry.
 */
export function useMetrics(metrics: GatewayMetrics): GatewayPlugin {
  return {
    name: 'metrics',
    onResult(operation, result) {
      // A subscription's end is counted by the subscriptions gauge; its start, below, as an outcome of its own.
      if (result.subscription === 'ended') return;
      const principal = operation.request.principal;
      const outcome = outcomeOf(result);
      if (outcome === 'rejected') metrics.rejections.inc({ reason: rejectionReason(result) });
      if (!principal) return;
      const operationLabel = metrics.operationLabel(operation.operationName, operation.persistedOperationId !== undefined);
      metrics.requests.inc({ operation: operationLabel, client_kind: principal.kind, outcome });
      metrics.requestDuration.observe({ operation: operationLabel, outcome }, (performance.now() - operation.request.startedAt) / 1000);
    },
  };
}

function outcomeOf(result: OperationResult): 'success' | 'partial' | 'error' | 'rejected' | 'subscribed' {
  if (result.status !== undefined && result.status >= 400) return 'rejected';
  if (result.subscription === 'started') return 'subscribed';
  if (!result.errors || result.errors.length === 0) return 'success';
  return result.data ? 'partial' : 'error';
}

function rejectionReason(result: OperationResult): string {
  const [error] = result.errors ?? [];
  if (!error) return 'unknown';
  const limit = error.extensions.limit;
  if (typeof limit === 'string' && error.extensions.code !== 'RATE_LIMITED') return limit;
  const code = codeOf(error);
  return REJECTION_REASONS[code] ?? code.toLowerCase();
}
