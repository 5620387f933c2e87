import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { ClientKind, ClientPolicy } from '../client-policy';
import type { GatewayContext } from '../context';
import type { GatewayMetrics } from '../metrics';
import type { RateLimiter } from '../rate-limit/rate-limiter';
import { readCostDirectives, type CostDirectives } from './cost-directives';
import { estimateCost } from './estimate-cost';

export const COST_ESTIMATED_TOO_EXPENSIVE = 'COST_ESTIMATED_TOO_EXPENSIVE';
const DEFAULT_LIST_SIZE = 10;

/** The cost directives of the supergraph being served; replaced when the supergraph is. */
export class CostModel {
  private directives: CostDirectives = { weights: new Map(), listSizes: new Map() };

  update(supergraphSdl: string): void {
    this.directives = readCostDirectives(supergraphSdl);
  }

  get current(): CostDirectives {
    return this.directives;
  }
}

/**
 * Demand control: the static cost of each operation, computed after validation and before any subgraph is
 * called, refused when it is over the budget of the client's kind (COST_ESTIMATED_TOO_EXPENSIVE with the
 * estimate and the budget), then charged against the principal's cost budget per window (RATE_LIMITED).
 * Every response carries the RateLimit headers of the request budget.
 */
export function demandControlPlugin(
  model: CostModel,
  policies: Record<ClientKind, ClientPolicy>,
  rateLimiter: RateLimiter,
  metrics: GatewayMetrics,
): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ contextValue, document, operation, schema, request }) => {
        if (!operation) return;
        const policy = policies[contextValue.principal.kind];
        const cost = estimateCost(schema, document, operation, request.variables ?? {}, model.current, { defaultListSize: DEFAULT_LIST_SIZE });
        if (cost > policy.maxCost) {
          metrics.rejections.inc({ reason: 'cost' });
          throw new GraphQLError(`Operation cost ${cost} exceeds the budget of ${policy.maxCost} for ${contextValue.principal.kind} clients; ask for fewer items (first) or fewer nested lists`, {
            extensions: { code: COST_ESTIMATED_TOO_EXPENSIVE, cost, budget: policy.maxCost, http: { status: 400 } },
          });
        }
        const { error } = await rateLimiter.chargeCost(contextValue.principal, cost);
        if (error) {
          metrics.rejections.inc({ reason: 'rate_limit' });
          throw error;
        }
      },
      willSendResponse: async ({ contextValue, response }) => {
        for (const [name, value] of contextValue.rateLimitHeaders ?? []) {
          if (!response.http.headers.has(name)) response.http.headers.set(name, value);
        }
      },
    }),
  };
}
