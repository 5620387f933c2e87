import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { IncidentLoaders } from '../data/loaders';
import { Asset } from './asset';
import { DateTimeScalar } from '../../../../subgraph-kit/date-time-scalar';
import { Incident } from './incident';
import { Mutation } from './mutation';
import { Query } from './query';
import { TimelineEntry } from './timeline-entry';
import { User } from './user';

export const resolvers: GraphQLResolverMap<SubgraphContext<IncidentLoaders>> = { DateTime: DateTimeScalar, Query, Mutation, Incident, TimelineEntry, User, Asset };
