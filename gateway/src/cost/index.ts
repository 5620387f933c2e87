import type { ClientKind } from '../../../lib/principal';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { ServedSchema } from '../pipeline/served-schema';
import { readCostDirectives, type CostDirectives } from './cost-directives';
import { estimateCost } from './estimate-cost';

export const COST_ESTIMATED_TOO_EXPENSIVE = 'COST_ESTIMATED_TOO_EXPENSIVE';
/** Items assumed for a list without a slicing argument or `@listSize(assumedSize)`: Apollo's default. */
const DEFAULT_LIST_SIZE = 10;

/**
 * Demand control: the static cost of each operation (Apollo's method, from the supergraph's @cost and
 * @listSize), computed once it is validated and before any subgraph is called, and refused when it is over the
 * budget of the client's kind (COST_ESTIMATED_TOO_EXPENSIVE with the estimate and the budget). The estimate is
 * left on the operation for the rate limits' cost budget and the audit trail.
 */
export function useCost(maxCost: Readonly<Record<ClientKind, number>>): GatewayPlugin {
  const directives = new WeakMap<ServedSchema, CostDirectives>();
  return {
    name: 'cost',
    onSchema(schema) {
      directives.set(schema, readCostDirectives(schema.supergraphSdl));
    },
    onOperation(operation) {
      const schemaDirectives = directives.get(operation.schema) ?? readCostDirectives(operation.schema.supergraphSdl);
      const cost = estimateCost(operation.schema.api, operation.document!, operation.operation!, operation.variables, schemaDirectives, { defaultListSize: DEFAULT_LIST_SIZE });
      operation.cost = cost;
      const kind = operation.principal.kind;
      const budget = maxCost[kind];
      if (cost > budget) {
        throw refusal(
          `Operation cost ${cost} exceeds the budget of ${budget} for ${kind} clients; ask for fewer items (first) or fewer nested lists`,
          COST_ESTIMATED_TOO_EXPENSIVE,
          { status: 400 },
          { cost, budget },
        );
      }
    },
  };
}
