import { badUserInput } from '../../../../lib/errors';
import type { IncidentStatus, TimelineEventKind } from './incident-document';

/** Where an incident may go from each status, as the updateIncidentStatus mutation documents it. */
export const NEXT_STATUSES: Record<IncidentStatus, readonly IncidentStatus[]> = {
  NEW: ['IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'],
  IN_PROGRESS: ['ON_HOLD', 'RESOLVED', 'CLOSED'],
  ON_HOLD: ['IN_PROGRESS', 'RESOLVED', 'CLOSED'],
  RESOLVED: ['CLOSED', 'IN_PROGRESS'],
  CLOSED: ['IN_PROGRESS'],
};

/** What a status change does besides setting the status: its timeline entry kind and the timestamps it sets. */
export interface Transition {
  kind: Extract<TimelineEventKind, 'STATUS_CHANGED' | 'REOPENED'>;
  set: { resolvedAt?: Date | null; closedAt?: Date | null };
}

/**
 * Checks one move of the workflow and says what it changes. A CLOSED incident moves only to IN_PROGRESS and
 * only with reopen: true, so that a closed case is never reopened by a script that sets statuses blindly.
 * Moving back to IN_PROGRESS from RESOLVED or CLOSED clears resolvedAt and closedAt: the incident is open again.
 */
export function planTransition(from: IncidentStatus, to: IncidentStatus, reopen: boolean, now: Date): Transition {
  const allowed = NEXT_STATUSES[from];
  if (!allowed.includes(to)) {
    const options = from === 'CLOSED' ? 'IN_PROGRESS (with reopen: true)' : allowed.join(', ');
    throw badUserInput('status', `An incident cannot move from ${from} to ${to}; from ${from} it can move to ${options}`);
  }
  if (from === 'CLOSED' && !reopen) {
    throw badUserInput('reopen', 'The incident is CLOSED; pass reopen: true to reopen it to IN_PROGRESS');
  }
  const kind = from === 'CLOSED' ? 'REOPENED' : 'STATUS_CHANGED';
  if (to === 'RESOLVED') return { kind, set: { resolvedAt: now } };
  if (to === 'CLOSED') return { kind, set: { closedAt: now } };
  if (to === 'IN_PROGRESS' && (from === 'RESOLVED' || from === 'CLOSED')) return { kind, set: { resolvedAt: null, closedAt: null } };
  return { kind, set: {} };
}
