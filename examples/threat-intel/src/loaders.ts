import DataLoader from 'dataloader';
import { TenantScopedCollection, type DocumentCollection } from '../../../subgraph-kit/documents';
import { oneForEachKey } from '../../../subgraph-kit/loaders';
import { observedBatch, type SubgraphMetrics } from '../../../subgraph-kit/metrics';
import type { Principal } from '../../../lib/principal';
import type { IndicatorDocument } from './indicator-store';

/** The most recently seen first; uid breaks ties, so a list's order never changes between calls. */
const NEWEST_FIRST = { lastSeenAt: -1, uid: 1 } as const;

/** What one request's resolvers read indicators with. Created per request, for its principal's tenant only. */
export interface IndicatorLoaders {
  indicators: TenantScopedCollection<IndicatorDocument>;
  indicatorByUid: DataLoader<string, IndicatorDocument | null>;
  /** Every indicator observed on a device, newest first: the devices of one tick in one query. */
  indicatorsByDevice: DataLoader<string, IndicatorDocument[]>;
}

export function createIndicatorLoaders(collection: DocumentCollection<IndicatorDocument>, principal: Principal, metrics?: SubgraphMetrics): IndicatorLoaders {
  const indicators = new TenantScopedCollection(collection, principal.tenant);
  return {
    indicators,
    indicatorByUid: new DataLoader(observedBatch('indicatorByUid', metrics, async (uids) => oneForEachKey(uids, await indicators.find({ uid: { $in: [...uids] } }), (indicator) => indicator.uid))),
    indicatorsByDevice: new DataLoader(
      observedBatch('indicatorsByDevice', metrics, async (deviceUids) => {
        const found = await indicators.find({ deviceUids: { $in: [...deviceUids] } }, { sort: NEWEST_FIRST });
        return deviceUids.map((deviceUid) => found.filter((indicator) => indicator.deviceUids.includes(deviceUid)));
      }),
    ),
  };
}

export async function newestIndicators(indicators: TenantScopedCollection<IndicatorDocument>, minScore: number, first: number): Promise<IndicatorDocument[]> {
  return indicators.find({ reputationScore: { $gte: minScore } }, { sort: NEWEST_FIRST, limit: first });
}
