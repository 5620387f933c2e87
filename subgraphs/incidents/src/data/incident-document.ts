import type { TenantDocument } from '../../../../subgraph-kit/documents';
import type { Severity } from './severity';

export type IncidentStatus = 'NEW' | 'IN_PROGRESS' | 'ON_HOLD' | 'RESOLVED' | 'CLOSED';
export type TimelineEventKind = 'CREATED' | 'STATUS_CHANGED' | 'REOPENED' | 'ASSIGNED' | 'NOTE_ADDED' | 'FINDING_ADDED';
export type AssetRole = 'TARGET' | 'SOURCE' | 'AFFECTED' | 'RELATED';
export type IncidentChangeKind = 'CREATED' | 'STATUS_CHANGED' | 'ASSIGNED' | 'NOTE_ADDED' | 'SEVERITY_CHANGED' | 'FINDING_ADDED' | 'FINDING_UPDATED';

/**
 * One committed change, kept on the incident it changed and written in the same atomic write: the outbox its
 * change event is published from (so no event is lost between the commit and its publication), and what resolves
 * the event for each subscriber afterwards.
 */
export interface IncidentChangeDocument {
  kind: IncidentChangeKind;
  at: Date;
}

/** The changes an incident keeps: enough to resolve every event a subscriber may still ask about. */
export const CHANGES_KEPT = 100;

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
  /** When it was detected (an ingested finding: the time of its first event). */
  createdAt: Date;
  observables: Array<{ name: string; type: string; value: string }>;
  /** An ingested finding: the version of the event it was last written from (stateVersion); a newer one replaces it. */
  version?: string;
}

/**
 * What an incident opened from Detection Findings is correlated by: the key (what the findings are about, and
 * their detection) and the times of its first and last findings, the window later findings join within.
 */
export interface IncidentCorrelation {
  key: string;
  firstFindingAt: Date;
  lastFindingAt: Date;
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
  /** Set on incidents opened from Detection Findings (ingestion); absent on others, which nothing correlates into. */
  correlation?: IncidentCorrelation;
  /** Oldest first; every mutation appends to it in the same write that changes the incident. */
  timeline: TimelineEntryDocument[];
  /** The last CHANGES_KEPT changes, oldest first: the last one's sequence is changeSequence, each earlier one's one less. */
  changes?: IncidentChangeDocument[];
  /** The sequence of the latest change (1 for the incident's creation); absent before any. */
  changeSequence?: number;
  /** Every change up to this sequence was published. */
  publishedSequence?: number;
  /** Set by every change, cleared once all of them are published: what the change relay looks for. */
  unpublished?: boolean;
}

/** The sequence of a kept change, from its position (changes are appended in commit order, the oldest dropped first). */
export function changeSequenceAt(incident: IncidentDocument, index: number): number {
  return (incident.changeSequence ?? 0) - ((incident.changes?.length ?? 0) - 1 - index);
}

/** A change event's id: the incident and the change's sequence. */
export function changeEventId(uid: string, sequence: number): string {
  return `${uid}:${sequence}`;
}

export const INCIDENTS_COLLECTION = 'incidents';
