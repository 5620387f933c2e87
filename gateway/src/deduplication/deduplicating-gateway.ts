import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';
import { principalKey, type Principal } from '../../../lib/principal';
import { InFlight } from './in-flight';

/**
 * Executes identical queries in flight once (inbound deduplication). Identical means everything that can
 * change the answer is equal: the schema, the operation as planned (after authorization removed what the
 * caller may not read), the operation name, the variables and the principal the subgraphs are told about.
 * Each request still passes authentication, limits, cost, rate limits and the audit trail on its own; only
 * the execution is shared. A mutation is never shared, and no query that starts after a mutation started
 * joins an execution from before it, nor one from before it ended.
 */
export class DeduplicatingGateway implements GatewayInterface {
  private readonly executions: InFlight<GatewayExecutionResult>;

  constructor(
    private readonly inner: GatewayInterface,
    /** Called for every request that joins an execution already in flight, for metrics. */
    onJoin?: () => void,
  ) {
    this.executions = new InFlight(copyResult, onJoin);
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.inner.load(options);
    const executor = loaded.executor;
    if (!executor) return loaded;
    return { ...loaded, executor: (requestContext) => this.execute(executor, requestContext as GatewayGraphQLRequestContext<{ principal?: Principal }>) };
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  private async execute(executor: GatewayExecutor, requestContext: GatewayGraphQLRequestContext<{ principal?: Principal }>): Promise<GatewayExecutionResult> {
    const principal = requestContext.context.principal;
    if (requestContext.operation?.operation !== 'query') {
      this.executions.barrier();
      try {
        return await executor(requestContext);
      } finally {
        this.executions.barrier();
      }
    }
    if (!principal) return executor(requestContext);
    const key = JSON.stringify([
      requestContext.schemaHash,
      requestContext.queryHash,
      requestContext.operationName,
      requestContext.request.variables ?? {},
      principalKey(principal),
    ]);
    return (await this.executions.run(key, () => executor(requestContext))).value;
  }
}

/**
 * Each sharer gets its own result object, and they share the data: nothing changes a result after execution
 * (restoreRemovedFields builds new data), so copying it would only cost time.
 */
function copyResult(result: GatewayExecutionResult): GatewayExecutionResult {
  return { ...result, errors: result.errors && [...result.errors] };
}
