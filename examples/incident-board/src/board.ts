import type { IncidentBoardQuery, IncidentChangeKind, IncidentChangesSubscription, IncidentStatus, Severity } from '../../../schema/generated/graphql';

/**
 * What the board shows, apart from React and the network: the incidents of the IncidentBoard query, changed by the
 * IncidentChanges events that follow. Pure functions, so that orders of arrival (an event while the query runs, an
 * event twice) are tested without a browser.
 */

export type IncidentChange = IncidentChangesSubscription['incidentChanged'];
type BoardNode = NonNullable<IncidentBoardQuery['incidents']>['edges'][number]['node'];
type Assignee = BoardNode['assignee'] | IncidentChange['incident']['assignee'];
type AffectedAsset = BoardNode['affectedAssets'][number] | IncidentChange['incident']['affectedAssets'][number];

export interface BoardIncident {
  uid: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  assignee: { name: string; group: string | undefined } | undefined;
  /** The affected assets' names. */
  assets: string[];
  /** When it was opened; known for the incidents of the query, not for one first heard of in an event. */
  openedAt: string | undefined;
  /** The last change the board received, which no older or repeated event replaces. */
  lastChange: { kind: IncidentChangeKind; at: string; sequence: number } | undefined;
}

export interface ActivityEntry {
  id: string;
  kind: IncidentChangeKind;
  at: string;
  uid: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
}

export interface BoardState {
  incidents: Readonly<Record<string, BoardIncident>>;
  /** The latest changes first. */
  activity: readonly ActivityEntry[];
  /** While the query runs: the changes received since it started, applied again to its answer, which may predate them. */
  sinceLoadStarted: readonly IncidentChange[] | undefined;
}

export type BoardAction = { type: 'loading' } | { type: 'loaded'; data: IncidentBoardQuery } | { type: 'changed'; change: IncidentChange };

export const EMPTY_BOARD: BoardState = { incidents: {}, activity: [], sinceLoadStarted: undefined };
const ACTIVITY_LENGTH = 30;

/** Most severe first; OCSF's UNKNOWN and OTHER rank below INFORMATIONAL. */
const SEVERITY_RANK: Record<Severity, number> = { FATAL: 6, CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, INFORMATIONAL: 1, UNKNOWN: 0, OTHER: 0 };
/** The IncidentBoard query's filter: severity HIGH and above, NEW or IN_PROGRESS. */
const BOARD_SEVERITY = SEVERITY_RANK.HIGH;
const BOARD_STATUSES: readonly IncidentStatus[] = ['NEW', 'IN_PROGRESS'];

/** Whether the incident matches the board's filter; one that stops matching stays on the page, marked, until the board loads again. */
export function isOnBoard(incident: Pick<BoardIncident, 'severity' | 'status'>): boolean {
  return SEVERITY_RANK[incident.severity] >= BOARD_SEVERITY && BOARD_STATUSES.includes(incident.status);
}

export function boardReducer(state: BoardState, action: BoardAction): BoardState {
  switch (action.type) {
    case 'loading':
      return { ...state, sinceLoadStarted: [] };
    case 'loaded': {
      let incidents = incidentsOf(action.data);
      for (const change of state.sinceLoadStarted ?? []) incidents = withChange(incidents, change) ?? incidents;
      return { ...state, incidents, sinceLoadStarted: undefined };
    }
    case 'changed': {
      const incidents = withChange(state.incidents, action.change);
      if (!incidents) return state;
      const { change } = action;
      const entry: ActivityEntry = { id: change.id, kind: change.kind, at: change.at, uid: change.incident.uid, title: change.incident.title, severity: change.incident.severity, status: change.incident.status };
      return {
        incidents,
        activity: [entry, ...state.activity].slice(0, ACTIVITY_LENGTH),
        sinceLoadStarted: state.sinceLoadStarted && [...state.sinceLoadStarted, change],
      };
    }
  }
}

function incidentsOf(data: IncidentBoardQuery): Record<string, BoardIncident> {
  const incidents: Record<string, BoardIncident> = {};
  for (const { node } of data.incidents?.edges ?? []) {
    incidents[node.uid] = {
      uid: node.uid,
      title: node.title,
      severity: node.severity,
      status: node.status,
      assignee: assigneeOf(node.assignee),
      assets: assetNames(node.affectedAssets),
      openedAt: node.createdAt,
      lastChange: undefined,
    };
  }
  return incidents;
}

/**
 * The incidents with this change: its incident updated, or added when it has come to match the board (created, or
 * raised to HIGH); undefined when the change is not the board's (an incident it does not show) or not new. Events of
 * one incident arrive in order, so one whose sequence is not above the last seen is a repeat.
 */
function withChange(incidents: Readonly<Record<string, BoardIncident>>, change: IncidentChange): Record<string, BoardIncident> | undefined {
  const { incident } = change;
  const known = incidents[incident.uid];
  if (!known && !isOnBoard(incident)) return undefined;
  if (known?.lastChange && change.sequence <= known.lastChange.sequence) return undefined;
  const updated: BoardIncident = {
    uid: incident.uid,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    assignee: assigneeOf(incident.assignee),
    assets: assetNames(incident.affectedAssets),
    openedAt: known?.openedAt,
    lastChange: { kind: change.kind, at: change.at, sequence: change.sequence },
  };
  return { ...incidents, [incident.uid]: updated };
}

/** Triage order: what is on the board before what left it, then the most severe, then the most recently active. */
export function triageOrder(incidents: Iterable<BoardIncident>): BoardIncident[] {
  return [...incidents].sort(
    (a, b) =>
      Number(isOnBoard(b)) - Number(isOnBoard(a)) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (lastActive(b) ?? '').localeCompare(lastActive(a) ?? ''),
  );
}

/** The latest time the board knows of: the last change, else the opening. */
export function lastActive(incident: BoardIncident): string | undefined {
  return incident.lastChange?.at ?? incident.openedAt;
}

/** How many incidents on the board have each severity. */
export function countBySeverity(incidents: Iterable<BoardIncident>): Partial<Record<Severity, number>> {
  const counts: Partial<Record<Severity, number>> = {};
  for (const incident of incidents) if (isOnBoard(incident)) counts[incident.severity] = (counts[incident.severity] ?? 0) + 1;
  return counts;
}

function assigneeOf(assignee: Assignee): BoardIncident['assignee'] {
  return assignee ? { name: assignee.name, group: assignee.groups[0]?.name } : undefined;
}

/** An asset the token may not read comes back null: it is left out. */
function assetNames(affected: readonly AffectedAsset[]): string[] {
  return affected.flatMap(({ asset }) => (asset ? [asset.name] : []));
}
