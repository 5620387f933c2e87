import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { AssetLoaders } from '../data/loaders';
import { Application } from './application';
import { Asset } from './asset';
import { CloudResource } from './cloud-resource';
import { DateTimeScalar } from '../../../../subgraph-kit/date-time-scalar';
import { Device } from './device';
import { Query } from './query';
import { User } from './user';

export const resolvers: GraphQLResolverMap<SubgraphContext<AssetLoaders>> = {
  DateTime: DateTimeScalar,
  Query,
  Asset,
  Device,
  CloudResource,
  Application,
  User,
};
