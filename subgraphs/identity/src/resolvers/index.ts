import { DateTimeScalar } from '../../../../subgraph-kit/date-time-scalar';
import { Group } from './group';
import { Query } from './query';
import { User } from './user';

export const identityResolvers = { DateTime: DateTimeScalar, Query, User, Group };
