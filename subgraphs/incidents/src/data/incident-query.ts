import { readPageRequest, type PageArgs } from '../../../../subgraph-kit/connection';
import type { Filter } from '../../../../subgraph-kit/documents';
import { badUserInput } from '../../../../lib/errors';
import { severityIdsAtLeast, type Severity } from './severity';
import { readInstantArgument } from '../iso-instant';
import type { IncidentDocument, IncidentStatus } from './incident-document';

/** IncidentFilter as GraphQL hands it over: DateTime values are still strings (see the DateTime scalar). */
export interface IncidentFilterInput {
  severityAtLeast?: Severity | null;
  status?: IncidentStatus[] | null;
  assigneeUid?: string | null;
  affectedAssetUid?: string | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

export interface IncidentListArgs extends PageArgs {
  filter?: IncidentFilterInput | null;
}

/** Where a page starts: the sort values (createdAt, uid) of the last incident already seen. */
export interface IncidentKey {
  createdAt: Date;
  uid: string;
}

/** A validated list request: which incidents, how many, and after which one. */
export interface IncidentListQuery {
  conditions: Array<Filter<IncidentDocument>>;
  first: number;
  after?: IncidentKey;
}

/** The stable sort of every incident list: newest first, uid breaking ties. */
export const INCIDENT_SORT = { createdAt: -1, uid: -1 } as const;

export function incidentCursorKey(incident: Pick<IncidentDocument, 'createdAt' | 'uid'>): [string, string] {
  return [incident.createdAt.toISOString(), incident.uid];
}

/** Validates the arguments of a list field; rejections are BAD_USER_INPUT naming the argument. */
export function readIncidentListQuery(args: IncidentListArgs): IncidentListQuery {
  const page = readPageRequest(args, 2);
  return { conditions: filterConditions(args.filter ?? {}), first: page.first, after: page.after && toIncidentKey(page.after) };
}

function toIncidentKey(key: Array<string | number | null>): IncidentKey {
  const [createdAt, uid] = key;
  const date = typeof createdAt === 'string' ? new Date(createdAt) : undefined;
  if (!date || Number.isNaN(date.getTime()) || typeof uid !== 'string') {
    throw badUserInput('after', 'The cursor is malformed; pass an endCursor from a previous page');
  }
  return { createdAt: date, uid };
}

/** The conditions of an IncidentFilter, as MongoDB filters; rejections are BAD_USER_INPUT naming the argument. */
export function filterConditions(filter: IncidentFilterInput): Array<Filter<IncidentDocument>> {
  const conditions: Array<Filter<IncidentDocument>> = [];
  if (filter.severityAtLeast) {
    if (filter.severityAtLeast === 'OTHER') {
      throw badUserInput('filter.severityAtLeast', 'OTHER is not a degree of severity; pass one from UNKNOWN to FATAL');
    }
    conditions.push({ severityId: severityIdsAtLeast(filter.severityAtLeast) });
  }
  if (filter.status) {
    if (filter.status.length === 0) throw badUserInput('filter.status', 'Pass at least one status, or leave the status filter out');
    conditions.push({ status: { $in: filter.status } });
  }
  if (filter.assigneeUid != null) conditions.push({ assigneeUid: filter.assigneeUid });
  if (filter.affectedAssetUid != null) conditions.push({ 'affectedAssets.uid': filter.affectedAssetUid });
  const createdAfter = filter.createdAfter == null ? undefined : readInstantArgument('filter.createdAfter', filter.createdAfter);
  const createdBefore = filter.createdBefore == null ? undefined : readInstantArgument('filter.createdBefore', filter.createdBefore);
  if (createdAfter && createdBefore && createdAfter > createdBefore) {
    throw badUserInput('filter.createdBefore', 'createdBefore must not be earlier than createdAfter');
  }
  if (createdAfter) conditions.push({ createdAt: { $gte: createdAfter } });
  if (createdBefore) conditions.push({ createdAt: { $lt: createdBefore } });
  return conditions;
}

/** Incidents that sort after `key` in INCIDENT_SORT (older, or as old with a smaller uid). */
export function afterKey(key: IncidentKey): Filter<IncidentDocument> {
  return { $or: [{ createdAt: { $lt: key.createdAt } }, { createdAt: key.createdAt, uid: { $lt: key.uid } }] };
}

export function allOf(conditions: Array<Filter<IncidentDocument>>): Filter<IncidentDocument> {
  if (conditions.length === 0) return {};
  if (conditions.length === 1) return conditions[0];
  return { $and: conditions };
}
