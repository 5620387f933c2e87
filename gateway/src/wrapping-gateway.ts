import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';

/**
 * A gateway in front of another, as Apollo Server sees it: the inner gateway's schema and lifecycle, with a
 * step of its own around every execution.
 */
export abstract class WrappingGateway<TContext> implements GatewayInterface {
  constructor(protected readonly inner: GatewayInterface) {}

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.inner.load(options);
    const executor = loaded.executor;
    if (!executor) return loaded;
    return { ...loaded, executor: (requestContext) => this.execute(executor, requestContext as GatewayGraphQLRequestContext<TContext>) };
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  /** Runs one request's execution; `executor` is the inner gateway's. */
  protected abstract execute(executor: GatewayExecutor, requestContext: GatewayGraphQLRequestContext<TContext>): Promise<GatewayExecutionResult>;
}
