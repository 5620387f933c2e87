import type { IncidentChangeKind, IncidentStatus, Severity } from '../../../schema/generated/graphql';

export const STATUS_LABEL: Record<IncidentStatus, string> = { NEW: 'New', IN_PROGRESS: 'In progress', ON_HOLD: 'On hold', RESOLVED: 'Resolved', CLOSED: 'Closed' };

export const SEVERITY_LABEL: Record<Severity, string> = {
  FATAL: 'Fatal',
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  INFORMATIONAL: 'Info',
  UNKNOWN: 'Unknown',
  OTHER: 'Other',
};

/** What a change did, in the words of an activity feed. */
export function changeLabel(kind: IncidentChangeKind, status: IncidentStatus, severity: Severity): string {
  switch (kind) {
    case 'CREATED':
      return 'Opened';
    case 'STATUS_CHANGED':
      return `Status → ${STATUS_LABEL[status]}`;
    case 'SEVERITY_CHANGED':
      return `Severity → ${SEVERITY_LABEL[severity]}`;
    case 'ASSIGNED':
      return 'Assigned';
    case 'NOTE_ADDED':
      return 'Note added';
    case 'FINDING_ADDED':
      return 'Finding added';
    case 'FINDING_UPDATED':
      return 'Finding updated';
  }
}

/** "just now", "42 s ago", "7 min ago", "3 h ago", "2 d ago". */
export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** Local date and time, for a tooltip. */
export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** Local time of day, HH:MM:SS. */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}
