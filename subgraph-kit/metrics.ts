import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { BatchLoadFn } from 'dataloader';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One subgraph's Prometheus metrics, served on its /metrics. Each service has its own registry (never the
 * global one), so services started in one process never share a series; every series carries a `service`
 * label. Label values come from fixed sets only: store operation kinds, loader names, request outcomes.
 */
export class SubgraphMetrics {
  readonly registry = new Registry();
  readonly databaseOperationDuration: Histogram<'operation'>;
  readonly dataLoaderBatchSize: Histogram<'loader'>;
  readonly requests: Counter<'outcome'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'palisade_subgraph_' });
    this.databaseOperationDuration = new Histogram({
      name: 'palisade_subgraph_db_operation_duration_seconds',
      help: 'Database round trips by operation (documents: find, findOne, count, aggregate, insert, update, delete, bulkWrite, createIndexes; SQL: query, exec, and transaction for a whole transaction)',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.dataLoaderBatchSize = new Histogram({
      name: 'palisade_subgraph_dataloader_batch_size',
      help: 'Keys in each DataLoader batch, by loader',
      labelNames: ['loader'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [this.registry],
    });
    this.requests = new Counter({
      name: 'palisade_subgraph_requests_total',
      help: 'GraphQL requests by outcome (success, partial, error, rejected: no valid principal)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
  }

  /** The store observer (DocumentDatabase.observe, SqlDatabase.observe) that feeds the duration histogram. */
  readonly observeDatabase = (operation: string, seconds: number): void => {
    this.databaseOperationDuration.observe({ operation }, seconds);
  };

  /** The text that /metrics serves. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * A DataLoader batch function that records how many keys each batch had. `loader` is a fixed name (the
 * loader's field), never derived from a request. Without metrics the batch function is returned as it is.
 */
export function observedBatch<K, V>(loader: string, metrics: SubgraphMetrics | undefined, batch: BatchLoadFn<K, V>): BatchLoadFn<K, V> {
  if (!metrics) return batch;
  return (keys) => {
    metrics.dataLoaderBatchSize.observe({ loader }, keys.length);
    return batch(keys);
  };
}

/** Counts each GraphQL request by outcome; a request refused while its context is built (no valid principal) is `rejected`. */
export function subgraphMetricsPlugin(metrics: SubgraphMetrics): ApolloServerPlugin<BaseContext> {
  return {
    contextCreationDidFail: async () => {
      metrics.requests.inc({ outcome: 'rejected' });
    },
    requestDidStart: async () => ({
      willSendResponse: async ({ response }) => {
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const failed = (result?.errors?.length ?? 0) > 0;
        metrics.requests.inc({ outcome: !failed ? 'success' : result?.data ? 'partial' : 'error' });
      },
    }),
  };
}
