import type { TenantDocument } from '../../../../subgraph-kit/documents';
import type { Severity } from './severity';

export type IncidentStatus = 'NEW' | 'IN_PROGRESS' | 'ON_HOLD' | 'RESOLVED' | 'CLOSED';
export type TimelineEventKind = 'CREATED' | 'STATUS_CHANGED' | 'REOPENED' | 'ASSIGNED' | 'NOTE_ADDED';
export type AssetRole = 'TARGET' | 'SOURCE' | 'AFFECTED' | 'RELATED';

export interface TimelineEntryDocument {
  at: Date;
  kind: TimelineEventKind;
  message: string;
  actorUid: string | null;
  fromStatus: IncidentStatus | null;
  toStatus: IncidentStatus | null;
}

export interface FindingDocument {
  uid: string;
  title: string;
  severity: Severity;
  createdAt: Date;
  observables: Array<{ name: string; type: string; value: string }>;
}

/** One incident as the `incidents` collection stores it: findings, observables and timeline embedded. */
export interface IncidentDocument extends TenantDocument {
  uid: string;
  title: string;
  description: string | null;
  severity: Severity;
  /** OCSF severity_id, stored beside the name so that "at least HIGH" is a range query. */
  severityId: number;
  status: IncidentStatus;
  verdict: string;
  priority: string;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  assigneeUid: string | null;
  assigneeGroupUid: string | null;
  affectedAssets: Array<{ uid: string; role: AssetRole }>;
  affectedUserUids: string[];
  findings: FindingDocument[];
  /** Oldest first; every mutation appends to it in the same write that changes the incident. */
  timeline: TimelineEntryDocument[];
}

export const INCIDENTS_COLLECTION = 'incidents';
