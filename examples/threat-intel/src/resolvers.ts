import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { badUserInput } from '../../../lib/errors';
import { MAX_PAGE_SIZE } from '../../../subgraph-kit/connection';
import { DateTimeScalar } from '../../../subgraph-kit/date-time-scalar';
import { uidOf, type EntityReference } from '../../../subgraph-kit/entity-reference';
import type { SubgraphContext } from '../../../subgraph-kit/server';
import { REPUTATION_SCORE, type IndicatorDocument, type Reputation } from './indicator-store';
import { newestIndicators, type IndicatorLoaders } from './loaders';

type Context = SubgraphContext<IndicatorLoaders>;

/** `first` as every list of Palisade takes it: 0 to MAX_PAGE_SIZE. */
function listSize(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw badUserInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`);
  return first;
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime: DateTimeScalar,
  Query: {
    indicator: (_: unknown, { uid }: { uid: string }, { loaders }: Context) => loaders.indicatorByUid.load(uid),
    indicators: (_: unknown, { first, minReputation }: { first: number; minReputation: Reputation }, { loaders }: Context) =>
      newestIndicators(loaders.indicators, REPUTATION_SCORE[minReputation], listSize(first)),
  },
  Indicator: {
    __resolveReference: (reference: EntityReference, { loaders }: Context) => loaders.indicatorByUid.load(uidOf(reference)),
    devices: (indicator: IndicatorDocument) => indicator.deviceUids.map((uid) => ({ __typename: 'Device', uid })),
  },
  Device: {
    // Any device uid is a device here: one without indicators simply has none. Its tenant is the caller's.
    __resolveReference: (reference: EntityReference) => ({ uid: uidOf(reference) }),
    indicators: async (device: { uid: string }, { first }: { first: number }, { loaders }: Context) =>
      (await loaders.indicatorsByDevice.load(device.uid)).slice(0, listSize(first)),
  },
};
