import type { GatewayExecutionResult, GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { principalKey, type Principal } from '../../../lib/principal';
import { WrappingGateway } from '../wrapping-gateway';
import { InFlight } from './in-flight';

/**
 * Executes identical queries in flight once (inbound deduplication). Identical means everything that can
 * change the answer is equal: the supergraph, the operation as planned (after authorization removed what the
 * caller may not read), the operation name, the variables and the principal the subgraphs are told about.
 * Each request still passes authentication, limits, cost, rate limits and the audit trail on its own; only
 * the execution is shared. A mutation is never shared, and no query that starts after a mutation started
 * joins an execution from before it, nor one from before it ended.
 */
export class DeduplicatingGateway extends WrappingGateway<{ principal?: Principal }> {
  private readonly executions: InFlight<GatewayExecutionResult>;

  constructor(
    inner: GatewayInterface,
    /** Called for every request that joins an execution already in flight, for metrics. */
    onJoin?: () => void,
  ) {
    super(inner);
    this.executions = new InFlight(copyResult, onJoin);
    // A new supergraph is like a write: no request after it joins an execution planned before it.
    inner.onSchemaLoadOrUpdate(() => this.executions.barrier());
  }

  protected async execute(executor: GatewayExecutor, requestContext: GatewayGraphQLRequestContext<{ principal?: Principal }>): Promise<GatewayExecutionResult> {
    const principal = requestContext.context.principal;
    if (requestContext.operation?.operation !== 'query') return this.executions.write(() => executor(requestContext));
    if (!principal) return executor(requestContext);
    const key = JSON.stringify([
      requestContext.queryHash,
      requestContext.operationName,
      requestContext.request.variables ?? {},
      principalKey(principal),
    ]);
    return this.executions.run(key, () => executor(requestContext));
  }
}

/**
 * Each sharer gets its own result object, and they share the data: nothing changes a result after execution
 * (restoreRemovedFields builds new data), so copying it would only cost time.
 */
function copyResult(result: GatewayExecutionResult): GatewayExecutionResult {
  return { ...result, errors: result.errors && [...result.errors] };
}
