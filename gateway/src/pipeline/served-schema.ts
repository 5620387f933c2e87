import type { GraphQLSchema } from 'graphql';

/**
 * One supergraph as the gateway serves it. An operation keeps the one it started with, so that it is
 * validated, authorized, costed and planned against the same schema even when a reload happens meanwhile;
 * what a behaviour derives from a schema is keyed by it (a WeakMap), so no cache mixes two schemas.
 */
export interface ServedSchema {
  /** 1 for the supergraph loaded at start, then one more per reload: caches keyed by it never mix schemas. */
  readonly generation: number;
  /** The schema clients see (no join__ or link__ parts). */
  readonly api: GraphQLSchema;
  /** The composed supergraph, with the directives the gateway enforces itself (@requiresScopes, @cost, ...). */
  readonly supergraphSdl: string;
}
