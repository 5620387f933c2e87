import type { Page } from '../../../../subgraph-kit/connection';
import type { Filter, IndexSpec, TenantScopedCollection, UpdateFilter } from '../../../../subgraph-kit/documents';
import { CHANGES_KEPT, type IncidentChangeDocument, type IncidentDocument, type TimelineEntryDocument } from './incident-document';
import { afterKey, allOf, INCIDENT_SORT, type IncidentKey, type IncidentListQuery } from './incident-query';

/** The indexes every query below relies on; created at start. Every one leads with the tenant. */
export const INCIDENT_INDEXES: IndexSpec[] = [
  { name: 'tenant_uid', key: { tenant: 1, uid: 1 }, unique: true },
  { name: 'tenant_createdAt_uid', key: { tenant: 1, createdAt: -1, uid: -1 } },
  { name: 'tenant_status_severityId_createdAt', key: { tenant: 1, status: 1, severityId: 1, createdAt: -1 } },
  { name: 'tenant_assigneeUid_createdAt', key: { tenant: 1, assigneeUid: 1, createdAt: -1 } },
  { name: 'tenant_affectedAssetUid_createdAt', key: { tenant: 1, 'affectedAssets.uid': 1, createdAt: -1 } },
  { name: 'tenant_affectedUserUids_createdAt', key: { tenant: 1, affectedUserUids: 1, createdAt: -1 } },
  // The change relay's look-up of incidents with changes to publish, across tenants.
  { name: 'unpublished', key: { unpublished: 1 } },
  // Ingestion's look-ups: the open incidents a Detection Finding may join, and the incident that holds a finding.
  { name: 'tenant_correlationKey_status', key: { tenant: 1, 'correlation.key': 1, status: 1 } },
  { name: 'tenant_findingUid', key: { tenant: 1, 'findings.uid': 1 } },
];

/*
 * The outbox rules, in one place for every writer of incidents (the mutations through IncidentRepository, the
 * ingestion of Detection Findings in its bulk write): each write that changes an incident records its changes in
 * the same atomic write, appended to `changes` (the last CHANGES_KEPT kept) with `changeSequence` advanced by as
 * many, and marks it `unpublished` for the change relay.
 */

/** A new incident as it is stored: its changes (the first its creation) recorded, none published yet. */
export function recordedNewIncident(incident: IncidentDocument, changes: IncidentChangeDocument[]): IncidentDocument {
  return { ...incident, changes: changes.slice(-CHANGES_KEPT), changeSequence: changes.length, publishedSequence: 0, unpublished: true };
}

/** The update that sets fields, appends timeline entries and records the changes of one incident, atomically. */
export function recordedUpdate(set: Partial<IncidentDocument>, entries: TimelineEntryDocument[], changes: IncidentChangeDocument[]): UpdateFilter<IncidentDocument> {
  // The driver's PushOperator type rejects every field of a type with an index signature (Document's).
  return {
    $set: { ...set, unpublished: true },
    $push: { timeline: { $each: entries }, changes: { $each: changes, $slice: -CHANGES_KEPT } },
    $inc: { changeSequence: changes.length },
  } as unknown as UpdateFilter<IncidentDocument>;
}

/** The entities whose incident lists this subgraph serves: a user (assignee or affected) or an asset. */
export type IncidentParent = 'user' | 'asset';

/** How each kind of parent is found in an incident: the match on a batch of uids, and which of them an incident has. */
const PARENTS: Record<IncidentParent, { match: (uids: string[]) => Filter<IncidentDocument>; uidsIn: (uids: string[]) => unknown }> = {
  user: {
    match: (uids) => ({ $or: [{ assigneeUid: { $in: uids } }, { affectedUserUids: { $in: uids } }] }),
    uidsIn: (uids) => ({ $setIntersection: [{ $concatArrays: [['$assigneeUid'], '$affectedUserUids'] }, uids] }),
  },
  asset: {
    match: (uids) => ({ 'affectedAssets.uid': { $in: uids } }),
    uidsIn: (uids) => ({ $setIntersection: ['$affectedAssets.uid', uids] }),
  },
};

interface ParentPagesResult {
  counts: Array<{ _id: string; count: number }>;
  pages: Array<{ _id: string; keys: IncidentKey[] }>;
}

/** Owns every query on the incidents collection. It only ever sees the caller's tenant's documents. */
export class IncidentRepository {
  constructor(private readonly incidents: TenantScopedCollection<IncidentDocument>) {}

  get tenant(): string {
    return this.incidents.tenant;
  }

  findByUids(uids: readonly string[]): Promise<IncidentDocument[]> {
    return this.incidents.find({ uid: { $in: [...uids] } });
  }

  findByUid(uid: string): Promise<IncidentDocument | null> {
    return this.incidents.findOne({ uid });
  }

  async page(query: IncidentListQuery): Promise<Page<IncidentDocument>> {
    const pageConditions = query.after ? [...query.conditions, afterKey(query.after)] : query.conditions;
    const [rows, totalCount] = await Promise.all([
      this.incidents.find(allOf(pageConditions), { sort: INCIDENT_SORT, limit: query.first + 1 }),
      this.incidents.countDocuments(allOf(query.conditions)),
    ]);
    return { rows, totalCount };
  }

  /**
   * One page per parent for a whole batch of parents with the same arguments, in two round trips: one
   * aggregate that counts and picks each parent's page as keys only (so its result stays small however
   * large the incidents grow), then one `$in` find for the incidents on those pages. Parents with no
   * incident are absent from the map.
   */
  async pagesByParent(parent: IncidentParent, parentUids: readonly string[], query: IncidentListQuery): Promise<Map<string, Page<IncidentDocument>>> {
    const uids = [...parentUids];
    const [result] = await this.incidents.aggregate<ParentPagesResult>([
      { $match: allOf([PARENTS[parent].match(uids), ...query.conditions]) },
      { $project: { _id: 0, uid: 1, createdAt: 1, parentUid: PARENTS[parent].uidsIn(uids) } },
      { $unwind: '$parentUid' },
      {
        $facet: {
          counts: [{ $group: { _id: '$parentUid', count: { $sum: 1 } } }],
          pages: [
            ...(query.after ? [{ $match: afterKey(query.after) }] : []),
            {
              $group: {
                _id: '$parentUid',
                keys: { $topN: { n: query.first + 1, sortBy: INCIDENT_SORT, output: { uid: '$uid', createdAt: '$createdAt' } } },
              },
            },
          ],
        },
      },
    ]);
    const pageUids = [...new Set((result?.pages ?? []).flatMap((page) => page.keys.map((key) => key.uid)))];
    const byUid = new Map((pageUids.length > 0 ? await this.findByUids(pageUids) : []).map((incident) => [incident.uid, incident]));
    const pages = new Map<string, Page<IncidentDocument>>();
    for (const { _id, count } of result?.counts ?? []) pages.set(_id, { rows: [], totalCount: count });
    for (const { _id, keys } of result?.pages ?? []) {
      const page = pages.get(_id);
      if (page) page.rows = keys.flatMap((key) => byUid.get(key.uid) ?? []);
    }
    return pages;
  }

  /** Inserts a new incident with its creation as its first change, to be published. */
  insert(incident: IncidentDocument): Promise<void> {
    return this.incidents.insertOne(recordedNewIncident(incident, [{ kind: 'CREATED', at: incident.createdAt }]));
  }

  /**
   * Sets fields, appends a timeline entry and records the change in one atomic write, only while the incident
   * still has the `expected` values (the state the caller decided on). Returns the incident as written; null
   * means there is no such incident, or it changed in between and nothing was written.
   */
  updateIfUnchanged(uid: string, expected: Partial<IncidentDocument>, set: Partial<IncidentDocument>, entry: TimelineEntryDocument, change: IncidentChangeDocument): Promise<IncidentDocument | null> {
    return this.incidents.findOneAndUpdate({ ...expected, uid } as Filter<IncidentDocument>, recordedUpdate(set, [entry], [change]));
  }
}
