export { createSubgraphFetcher, SUBGRAPH_FETCH_DEFAULTS } from './subgraph-fetcher';
export type { CircuitStateChange, SubgraphFetchEvent, SubgraphFetchOutcome, SubgraphFetcher, SubgraphFetcherOptions, SubgraphRequestInit } from './subgraph-fetcher';
export type { CircuitState } from './circuit-breaker';
export { SubgraphRequestError, toSubgraphRequestError, type SubgraphFailure } from './errors';
export { readResilienceConfig, type ResilienceConfig } from './config';
