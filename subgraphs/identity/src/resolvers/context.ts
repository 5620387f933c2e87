import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { IdentityLoaders } from '../data/loaders';

export type IdentityContext = SubgraphContext<IdentityLoaders>;
