import { join } from 'node:path';
import { defineSubgraph, type AssembledSubgraph } from '../../../subgraph-kit/define-subgraph';
import { sqlStore } from '../../../subgraph-kit/sql';
import { IDENTITY_DATABASE } from './data/identity-database';
import { createIdentityLoaders, type IdentityLoaders } from './data/loaders';
import { IDENTITY_EVENT_CONSUMERS } from './ingestion/user-inventory-writer';
import { identityResolvers } from './resolvers';

/** Users, groups, roles and accounts, in PostgreSQL with row-level security per tenant; it consumes User Inventory Info events. */
export const identitySubgraph = defineSubgraph({
  name: 'identity',
  port: 4001,
  metricsPort: 9401,
  schemaPath: join(__dirname, '..', 'schema.graphql'),
  resolvers: identityResolvers,
  store: sqlStore(IDENTITY_DATABASE),
  createLoaders: createIdentityLoaders,
  ingestion: IDENTITY_EVENT_CONSUMERS,
});

export const createIdentityService = identitySubgraph.create;
export type IdentityService = AssembledSubgraph<IdentityLoaders>;
