import { createHash } from 'node:crypto';
import type { DetectionFinding } from '../../../../lib/ingestion/detection-finding';
import type { EventOf } from '../../../../lib/ingestion/event';
import { stateVersion } from '../../../../subgraph-kit/ingestion';
import type { AssetRole, FindingDocument, IncidentChangeDocument, IncidentChangeKind, IncidentDocument, IncidentStatus, TimelineEntryDocument } from '../data/incident-document';
import { SEVERITY_ID, type Severity } from '../data/severity';

/*
 * How Detection Findings (OCSF 2004) become incidents. A finding is correlated by what it is about (its asset,
 * else its user) and its detection (rule, else finding type): it joins the open incident with that key whose
 * findings it falls within the window of, and otherwise opens one. Planned here, in memory, from the incidents
 * one find returned; written by the writer in one bulk write.
 */

/** The statuses in which an incident still takes new findings. */
export const OPEN_STATUSES: IncidentStatus[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD'];

/** The role an asset that a finding names plays in its incident: where the detection happened. */
const FINDING_ASSET_ROLE: AssetRole = 'AFFECTED';

/**
 * The most findings one incident takes; a further finding with its key opens another. An incident is one
 * document (at most 16 MB in MongoDB) that every board query reads: a flood of findings must not grow it without end.
 */
export const MAX_FINDINGS_PER_INCIDENT = 200;

export interface CorrelationSettings {
  /** A finding joins an open incident with its key when it is at most this far from the incident's findings, in time. */
  windowMs: number;
}

/**
 * The correlation key: what the finding is about (its asset's uid, else its user's) and its detection, as one
 * string that no two different keys share (a JSON array, so that no uid can forge another's key).
 */
export function correlationKey(finding: DetectionFinding): string {
  if (finding.asset) return JSON.stringify(['asset', assetUidOf(finding), finding.detection]);
  return JSON.stringify(['user', finding.userUid, finding.detection]);
}

/**
 * The uid of the incident a finding opens: derived from the tenant, the key and the finding, so that the batch
 * that opened it, delivered again, finds the same incident rather than opening a second one.
 */
export function openedIncidentUid(tenant: string, key: string, findingUid: string): string {
  const hex = createHash('sha256').update(JSON.stringify([tenant, key, findingUid])).digest('hex');
  return `inc-${tenant}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What the batch does to one incident: a new incident (inserted unless it exists), or an update of a stored one. */
export type IncidentWrite =
  | { kind: 'create'; incident: IncidentDocument; changes: IncidentChangeDocument[] }
  | {
      kind: 'update';
      tenant: string;
      uid: string;
      /** The changeSequence the plan was made from: the write applies only if the incident is still there. */
      fromSequence: number | null;
      set: Partial<IncidentDocument>;
      entries: TimelineEntryDocument[];
      changes: IncidentChangeDocument[];
    };

/** An incident as the batch changes it. */
interface Working {
  incident: IncidentDocument;
  created: boolean;
  /** The changeSequence it was read with (created ones: none). */
  fromSequence: number | null;
  entries: TimelineEntryDocument[];
  /** What the batch did to it, each kind once (see planDetectionFindings). */
  changes: Set<IncidentChangeKind>;
}

/**
 * Plans what a batch of Detection Findings does to the incidents: `stored` holds the open incidents with the
 * batch's keys and the incidents that hold its findings, of every tenant in the batch. Events are taken oldest
 * first (then by id), so the plan is the same whatever order the batch arrived in.
 *
 * - A finding an incident already holds is replaced there only by a newer version of it (stateVersion), whatever
 *   the incident's status: FINDING_UPDATED. An older version only moves its first detection earlier; a replay
 *   changes nothing.
 * - Otherwise it joins the nearest open incident of its tenant and key that it falls within the window of (its
 *   time no further than `windowMs` before the incident's first finding or after its last): a FINDING_ADDED
 *   timeline entry and change, its asset and user added to the incident's.
 * - Otherwise it opens an incident (CREATED, then its FINDING_ADDED).
 * - An incident's severity is raised to the highest of its findings' (SEVERITY_CHANGED), never lowered.
 *
 * Each incident records each kind of change once per batch (CREATED, FINDING_ADDED, FINDING_UPDATED,
 * SEVERITY_CHANGED): a subscriber learns that findings were added and reads them from the incident, a flood of
 * findings into one incident is not a flood of events, and one write never records more changes than the
 * incident keeps for the relay (CHANGES_KEPT). The timeline still has an entry per finding.
 */
export function planDetectionFindings(events: EventOf<2004>[], stored: IncidentDocument[], settings: CorrelationSettings, now: Date): IncidentWrite[] {
  const working = new Map<string, Working>();
  const byFinding = new Map<string, Working>();
  const openByKey = new Map<string, Working[]>();
  const track = (entry: Working) => {
    const { incident } = entry;
    working.set(scoped(incident.tenant, incident.uid), entry);
    for (const finding of incident.findings) byFinding.set(scoped(incident.tenant, finding.uid), entry);
    if (incident.correlation && OPEN_STATUSES.includes(incident.status)) {
      const key = scoped(incident.tenant, incident.correlation.key);
      openByKey.set(key, [...(openByKey.get(key) ?? []), entry]);
    }
  };
  for (const incident of stored) track({ incident: { ...incident, findings: [...incident.findings] }, created: false, fromSequence: incident.changeSequence ?? null, entries: [], changes: new Set() });

  for (const event of [...events].sort(oldestFirst)) {
    const finding = event.body;
    const time = new Date(event.time);
    const version = stateVersion(event);
    const holder = byFinding.get(scoped(event.tenant, finding.findingUid));
    if (holder) {
      updateFinding(holder, finding, time, version);
      continue;
    }
    const key = correlationKey(finding);
    const joined = nearestWithin(openByKey.get(scoped(event.tenant, key)) ?? [], time.getTime(), settings.windowMs);
    if (joined) {
      addFinding(joined, finding, time, version, now);
      byFinding.set(scoped(event.tenant, finding.findingUid), joined);
      continue;
    }
    const opened = openIncident(event.tenant, key, finding, time, version, now);
    track(opened);
  }

  return [...working.values()].filter((entry) => entry.changes.size > 0).map((entry) => writeOf(entry, now));
}

function writeOf(entry: Working, now: Date): IncidentWrite {
  const { incident } = entry;
  const changes = [...entry.changes].map((kind): IncidentChangeDocument => ({ kind, at: now }));
  if (entry.created) return { kind: 'create', incident: { ...incident, timeline: entry.entries }, changes };
  return {
    kind: 'update',
    tenant: incident.tenant,
    uid: incident.uid,
    fromSequence: entry.fromSequence,
    set: {
      findings: incident.findings,
      severity: incident.severity,
      severityId: incident.severityId,
      affectedAssets: incident.affectedAssets,
      affectedUserUids: incident.affectedUserUids,
      ...(incident.correlation ? { correlation: incident.correlation } : {}),
      updatedAt: now,
    },
    entries: entry.entries,
    changes,
  };
}

function openIncident(tenant: string, key: string, finding: DetectionFinding, time: Date, version: string, now: Date): Working {
  const severity = severityOf(finding.severityId);
  const incident: IncidentDocument = {
    tenant,
    uid: openedIncidentUid(tenant, key, finding.findingUid),
    title: finding.title,
    description: finding.description ?? null,
    severity,
    severityId: SEVERITY_ID[severity],
    status: 'NEW',
    verdict: 'UNKNOWN',
    priority: 'UNKNOWN',
    createdAt: now,
    updatedAt: now,
    resolvedAt: null,
    closedAt: null,
    assigneeUid: null,
    assigneeGroupUid: null,
    affectedAssets: finding.asset ? [{ uid: assetUidOf(finding), role: FINDING_ASSET_ROLE }] : [],
    affectedUserUids: finding.userUid === undefined ? [] : [finding.userUid],
    findings: [findingDocument(finding, time, version)],
    correlation: { key, firstFindingAt: time, lastFindingAt: time },
    timeline: [],
  };
  return {
    incident,
    created: true,
    fromSequence: null,
    entries: [entry(now, 'CREATED', `Incident opened by a detection finding (${describeDetection(finding.detection)})`, 'NEW'), entry(now, 'FINDING_ADDED', findingMessage(finding, severity))],
    changes: new Set(['CREATED', 'FINDING_ADDED']),
  };
}

function addFinding(target: Working, finding: DetectionFinding, time: Date, version: string, now: Date): void {
  const { incident } = target;
  incident.findings.push(findingDocument(finding, time, version));
  const assetUid = finding.asset && assetUidOf(finding);
  if (assetUid !== undefined && !incident.affectedAssets.some((asset) => asset.uid === assetUid)) incident.affectedAssets = [...incident.affectedAssets, { uid: assetUid, role: FINDING_ASSET_ROLE }];
  if (finding.userUid !== undefined && !incident.affectedUserUids.includes(finding.userUid)) incident.affectedUserUids = [...incident.affectedUserUids, finding.userUid];
  widenWindow(incident, time);
  const raised = raiseSeverity(target, finding.severityId);
  target.entries.push(entry(now, 'FINDING_ADDED', findingMessage(finding, severityOf(finding.severityId), raised)));
  target.changes.add('FINDING_ADDED');
  if (raised) target.changes.add('SEVERITY_CHANGED');
}

/**
 * Another version of a finding the incident holds. What the finding says comes from its newest version; when it
 * was first detected, the window and the incident's severity take every version into account, so that the
 * versions end in the same state whatever order they arrive in.
 */
function updateFinding(target: Working, finding: DetectionFinding, time: Date, version: string): void {
  const { incident } = target;
  const index = incident.findings.findIndex((stored) => stored.uid === finding.findingUid);
  const stored = incident.findings[index];
  const newer = (stored.version ?? '') < version;
  const createdAt = stored.createdAt < time ? stored.createdAt : time;
  if (newer || createdAt.getTime() !== stored.createdAt.getTime()) {
    incident.findings[index] = newer ? { ...findingDocument(finding, time, version), createdAt } : { ...stored, createdAt };
    widenWindow(incident, time);
    target.changes.add('FINDING_UPDATED');
  }
  if (raiseSeverity(target, finding.severityId)) target.changes.add('SEVERITY_CHANGED');
}

/** Raises the incident's severity to the finding's when that is higher; the severity it was raised from, or undefined. */
function raiseSeverity(target: Working, severityId: number): Severity | undefined {
  const { incident } = target;
  if (degree(severityId) <= degree(incident.severityId)) return undefined;
  const from = incident.severity;
  incident.severity = severityOf(severityId);
  incident.severityId = SEVERITY_ID[incident.severity];
  return from;
}

/** The open incident with room that the time falls within the window of: the nearest, then the latest, then by uid. */
function nearestWithin(candidates: Working[], time: number, windowMs: number): Working | undefined {
  let best: { entry: Working; distance: number } | undefined;
  for (const entry of candidates) {
    if (entry.incident.findings.length >= MAX_FINDINGS_PER_INCIDENT) continue;
    const correlation = entry.incident.correlation!;
    const distance = Math.max(0, correlation.firstFindingAt.getTime() - time, time - correlation.lastFindingAt.getTime());
    if (distance > windowMs) continue;
    if (!best || distance < best.distance || (distance === best.distance && isLater(entry.incident, best.entry.incident))) best = { entry, distance };
  }
  return best?.entry;
}

function isLater(a: IncidentDocument, b: IncidentDocument): boolean {
  const [at, bt] = [a.correlation!.lastFindingAt.getTime(), b.correlation!.lastFindingAt.getTime()];
  return at > bt || (at === bt && a.uid > b.uid);
}

function widenWindow(incident: IncidentDocument, time: Date): void {
  const window = incident.correlation;
  if (!window) return;
  incident.correlation = {
    key: window.key,
    firstFindingAt: time < window.firstFindingAt ? time : window.firstFindingAt,
    lastFindingAt: time > window.lastFindingAt ? time : window.lastFindingAt,
  };
}

function findingDocument(finding: DetectionFinding, time: Date, version: string): FindingDocument {
  return {
    uid: finding.findingUid,
    title: finding.title,
    severity: severityOf(finding.severityId),
    createdAt: time,
    observables: finding.observables.map(({ name, typeId, value }) => ({ name, type: OBSERVABLE_TYPES[typeId] ?? 'OTHER', value })),
    version,
  };
}

function entry(at: Date, kind: TimelineEntryDocument['kind'], message: string, toStatus: IncidentStatus | null = null): TimelineEntryDocument {
  // No user acted: the finding's source did.
  return { at, kind, message, actorUid: null, fromStatus: null, toStatus };
}

function findingMessage(finding: DetectionFinding, severity: Severity, raisedFrom?: Severity): string {
  const raised = raisedFrom === undefined ? '' : `; severity raised from ${raisedFrom} to ${severity}`;
  return `Finding ${finding.findingUid} (${severity}): ${finding.title}${raised}`;
}

function describeDetection(detection: string): string {
  const separator = detection.indexOf(':');
  const kind = detection.slice(0, separator);
  const name = detection.slice(separator + 1);
  return kind === 'type' ? `finding type ${name}` : `rule ${name}`;
}

function assetUidOf(finding: DetectionFinding): string {
  const asset = finding.asset!;
  return asset.kind === 'device' ? asset.device.uid : asset.resource.uid;
}

const SEVERITY_BY_ID = Object.fromEntries(Object.entries(SEVERITY_ID).map(([name, id]) => [id, name])) as Record<number, Severity>;

function severityOf(severityId: number): Severity {
  return SEVERITY_BY_ID[severityId] ?? 'OTHER';
}

/** How severe, for "the highest seen": OTHER (99) is not a degree of severity, so it ranks below UNKNOWN. */
function degree(severityId: number): number {
  return severityId === SEVERITY_ID.OTHER ? -1 : severityId;
}

/** OCSF observable type_id (1.x dictionary types) as the ObservableType enum names them; others are OTHER. */
const OBSERVABLE_TYPES: Record<number, string> = {
  0: 'UNKNOWN',
  1: 'HOSTNAME',
  2: 'IP_ADDRESS',
  3: 'MAC_ADDRESS',
  4: 'USER_NAME',
  5: 'EMAIL_ADDRESS',
  6: 'URL_STRING',
  7: 'FILE_NAME',
  8: 'HASH',
  9: 'PROCESS_NAME',
  10: 'RESOURCE_UID',
  11: 'PORT',
};

function oldestFirst(a: EventOf<2004>, b: EventOf<2004>): number {
  return a.time - b.time || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

function scoped(tenant: string, value: string): string {
  return JSON.stringify([tenant, value]);
}
