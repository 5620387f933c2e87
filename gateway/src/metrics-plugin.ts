import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './context';
import type { GatewayMetrics } from './metrics';

/**
 * Counts every operation by name, client kind and outcome, times it, records APQ hits and registrations,
 * and gives an internal error the request id, so that a person can find its cause in the logs.
 */
export function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: async () => {
      const startedAt = process.hrtime.bigint();
      return {
        willSendResponse: async (requestContext) => {
          const { contextValue, response } = requestContext;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors = result?.errors ?? [];
          for (const error of errors) {
            if (error.extensions?.code === 'INTERNAL_SERVER_ERROR') (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
          const outcome = errors.length === 0 ? 'success' : result?.data ? 'partial' : 'error';
          const operation = metrics.operationLabel(requestContext.operationName, contextValue.persistedOperationId !== undefined);
          metrics.requests.inc({ operation, client_kind: contextValue.principal.kind, outcome });
          metrics.requestDuration.observe({ operation, outcome }, Number(process.hrtime.bigint() - startedAt) / 1e9);
          if (requestContext.metrics.persistedQueryHit) metrics.cacheLookups.inc({ cache: 'apq', result: 'hit' });
          if (requestContext.metrics.persistedQueryRegister) metrics.cacheLookups.inc({ cache: 'apq', result: 'miss' });
        },
      };
    },
  };
}
