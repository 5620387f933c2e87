import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { IdentityLoaders } from '../data/loaders';

export type IdentityContext = SubgraphContext<IdentityLoaders>;

/** Relay connection arguments as GraphQL hands them over. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}
