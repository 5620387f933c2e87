import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** From 1 ms to the 10 s subgraph timeout. */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The gateway's Prometheus metrics. Label values stay bounded: operation names are recorded only while
 * fewer than `maxOperationNames` distinct ones have been seen (persisted operations are always known);
 * every other name is reported as "other", so a client inventing names cannot grow the series.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'client_kind' | 'outcome'>;
  readonly requestDuration: Histogram<'operation' | 'outcome'>;
  readonly subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  readonly subgraphBreakerState: Gauge<'subgraph'>;
  readonly rejections: Counter<'reason'>;
  readonly cacheLookups: Counter<'cache' | 'result'>;
  readonly supergraphReloads: Counter<'result'>;
  readonly deduplicated: Counter<'stage'>;
  readonly subscriptionsActive: Gauge<'client_kind'>;
  readonly subscriptionEvents: Counter<'outcome'>;
  readonly subscriptionDeliveryLag: Histogram;
  private readonly operationNames = new Set<string>();

  constructor(private readonly maxOperationNames = 200) {
    collectDefaultMetrics({ register: this.registry, prefix: 'palisade_gateway_' });
    this.requests = new Counter({
      name: 'palisade_gateway_requests_total',
      help: 'GraphQL operations by operation, client kind and outcome (success, partial, error, rejected, subscribed)',
      labelNames: ['operation', 'client_kind', 'outcome'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'palisade_gateway_request_duration_seconds',
      help: 'Time from request to response',
      labelNames: ['operation', 'outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    this.subgraphFetchDuration = new Histogram({
      name: 'palisade_gateway_subgraph_fetch_duration_seconds',
      help: 'Subgraph fetches by subgraph and outcome (ok, http_error, network_error, timeout, circuit_open)',
      labelNames: ['subgraph', 'outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    this.subgraphBreakerState = new Gauge({
      name: 'palisade_gateway_subgraph_breaker_state',
      help: 'Circuit breaker per subgraph: 0 closed, 1 half-open, 2 open',
      labelNames: ['subgraph'],
      registers: [this.registry],
    });
    this.rejections = new Counter({
      name: 'palisade_gateway_rejections_total',
      help: 'Requests refused before execution, by reason (a limit name, cost, rate_limit, unauthenticated, safelist)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.cacheLookups = new Counter({
      name: 'palisade_gateway_cache_lookups_total',
      help: 'Cache lookups by cache (apq, document, query_plan, authorization) and result (hit, miss)',
      labelNames: ['cache', 'result'],
      registers: [this.registry],
    });
    this.supergraphReloads = new Counter({
      name: 'palisade_gateway_supergraph_reloads_total',
      help: 'Supergraph reloads by result (applied, refused)',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.deduplicated = new Counter({
      name: 'palisade_gateway_deduplicated_total',
      help: 'Work answered by identical work already in flight, by stage (operation: a whole execution; subgraph_fetch: one fetch)',
      labelNames: ['stage'],
      registers: [this.registry],
    });
    this.subscriptionsActive = new Gauge({
      name: 'palisade_gateway_subscriptions_active',
      help: 'Subscriptions open now, by client kind (WebSocket and Server-Sent Events)',
      labelNames: ['client_kind'],
      registers: [this.registry],
    });
    this.subscriptionEvents = new Counter({
      name: 'palisade_gateway_subscription_events_total',
      help: 'Events for subscribers by outcome (delivered; dropped: a subscriber fell behind, or the gateway fell behind resolving its events, and was cut off)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.subscriptionDeliveryLag = new Histogram({
      name: 'palisade_gateway_subscription_delivery_lag_seconds',
      help: 'From a change being committed to its event being queued for its subscribers (once per event and group of subscribers that share its answer)',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [this.registry],
    });
  }

  /** The label for an operation name: itself while the set of names is small, else "other". */
  operationLabel(name: string | null | undefined, known = false): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (known || this.operationNames.size < this.maxOperationNames) {
      this.operationNames.add(name);
      return name;
    }
    return 'other';
  }
}
