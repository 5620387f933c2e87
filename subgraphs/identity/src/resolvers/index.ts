import { DateTime } from './date-time';
import { Group } from './group';
import { Query } from './query';
import { User } from './user';

export const identityResolvers = { DateTime, Query, User, Group };
