import type { CursorKey, Page, PageRequest } from '../../../../subgraph-kit/connection';
import type { Document, Filter, IndexSpec, TenantScopedCollection } from '../../../../subgraph-kit/documents';
import { severityIdsAtLeast } from './severity';
import type { AssetDocument, AssetKind, Criticality, FindingStatus } from './asset-document';

/** Created at start. Each list query below names the index that serves it. */
export const ASSET_INDEXES: IndexSpec[] = [
  { key: { tenant: 1, uid: 1 }, name: 'tenant_uid_unique', unique: true },
  { key: { tenant: 1, name: 1, uid: 1 }, name: 'tenant_name_uid' },
  { key: { tenant: 1, ownerUid: 1, name: 1, uid: 1 }, name: 'tenant_owner_name_uid' },
  { key: { tenant: 1, kind: 1, name: 1, uid: 1 }, name: 'tenant_kind_name_uid' },
  { key: { tenant: 1, 'vulnerabilities.severityId': 1, 'vulnerabilities.status': 1 }, name: 'tenant_vulnerability_severity_status' },
];

export interface AssetFilter {
  kind?: AssetKind[] | null;
  criticality?: Criticality[] | null;
  ownerUid?: string | null;
  /** true: only assets with an open CRITICAL (or FATAL) finding; false: only assets without one. */
  hasOpenCriticalVulnerability?: boolean | null;
}

/** Findings still waiting for someone: NEW or IN_PROGRESS. */
const OPEN_FINDING_STATUSES: FindingStatus[] = ['NEW', 'IN_PROGRESS'];

/** One embedded finding that is both open and of CRITICAL severity or worse. */
const OPEN_CRITICAL_FINDING = {
  $elemMatch: { severityId: severityIdsAtLeast('CRITICAL'), status: { $in: OPEN_FINDING_STATUSES } },
};

/** Assets are listed by name, then uid; a cursor holds those two values of the last asset seen. */
export function assetCursorKey(asset: AssetDocument): CursorKey {
  return [asset.name, asset.uid];
}

/**
 * The queries over the assets of one tenant. It receives the tenant-scoped collection, so every query here
 * is confined to the tenant of the principal that the collection was scoped to.
 */
export class AssetRepository {
  constructor(private readonly assets: TenantScopedCollection<AssetDocument>) {}

  /** One query for any number of uids; uids of other tenants or of nothing are simply absent. */
  findByUids(uids: readonly string[]): Promise<AssetDocument[]> {
    return this.assets.find({ uid: { $in: [...uids] } });
  }

  /** A page of assets matching the filter, sorted by name then uid (indexes tenant_name_uid, tenant_owner_*, tenant_kind_*). */
  async list(filter: AssetFilter, page: PageRequest): Promise<Page<AssetDocument>> {
    const matching = filterOf(filter);
    const pageFilter = page.after ? { $and: [matching, afterFilter(page.after)] } : matching;
    const [rows, totalCount] = await Promise.all([
      this.assets.find(pageFilter, { sort: { name: 1, uid: 1 }, limit: page.first + 1 }),
      this.assets.countDocuments(matching),
    ]);
    return { rows, totalCount };
  }

  /**
   * The same page of owned assets for many owners, in one aggregate (index tenant_owner_name_uid): every
   * owner's assets in order, counted, cut to the page. Owners without assets are absent from the map.
   */
  async pagesByOwner(ownerUids: readonly string[], page: PageRequest): Promise<Map<string, Page<AssetDocument>>> {
    const onPage = page.after ? afterExpression(page.after) : true;
    const groups = await this.assets.aggregate<{ _id: string; totalCount: number; rows: AssetDocument[] }>([
      { $match: { ownerUid: { $in: [...ownerUids] } } },
      { $sort: { ownerUid: 1, name: 1, uid: 1 } },
      // MongoDB's own _id would otherwise ride along in $$ROOT.
      { $unset: '_id' },
      { $group: { _id: '$ownerUid', totalCount: { $sum: 1 }, rows: { $push: { $cond: [onPage, '$$ROOT', null] } } } },
      { $project: { totalCount: 1, rows: { $slice: [{ $filter: { input: '$rows', cond: { $ne: ['$$this', null] } } }, page.first + 1] } } },
    ]);
    return new Map(groups.map((group) => [group._id, { rows: group.rows, totalCount: group.totalCount }]));
  }
}

function filterOf(filter: AssetFilter): Filter<AssetDocument> {
  const conditions: Document[] = [];
  if (filter.kind) conditions.push({ kind: { $in: filter.kind } });
  if (filter.criticality) conditions.push({ criticality: { $in: filter.criticality } });
  if (filter.ownerUid) conditions.push({ ownerUid: filter.ownerUid });
  if (filter.hasOpenCriticalVulnerability === true) conditions.push({ vulnerabilities: OPEN_CRITICAL_FINDING });
  if (filter.hasOpenCriticalVulnerability === false) conditions.push({ $nor: [{ vulnerabilities: OPEN_CRITICAL_FINDING }] });
  return conditions.length > 0 ? { $and: conditions } : {};
}

/** Assets after the cursor in (name, uid) order, as a query filter. */
function afterFilter([name, uid]: CursorKey): Document {
  return { $or: [{ name: { $gt: name } }, { name, uid: { $gt: uid } }] };
}

/** The same condition as afterFilter, as an aggregation expression over the current document. */
function afterExpression([name, uid]: CursorKey): Document {
  return { $or: [{ $gt: ['$name', name] }, { $and: [{ $eq: ['$name', name] }, { $gt: ['$uid', uid] }] }] };
}
