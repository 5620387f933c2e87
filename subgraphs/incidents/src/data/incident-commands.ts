import { randomUUID } from 'node:crypto';
import { badUserInput, conflict } from '../../../../lib/errors';
import { SEVERITY_ID, type Severity } from './severity';
import type { AssetRole, IncidentDocument, IncidentStatus, TimelineEntryDocument } from './incident-document';
import type { IncidentRepository } from './incident-repository';
import { planTransition } from './status-workflow';

export interface CreateIncidentInput {
  title: string;
  description?: string | null;
  severity: Severity;
  priority?: string | null;
  assigneeUid?: string | null;
  assigneeGroupUid?: string | null;
  affectedAssets?: Array<{ uid: string; role: AssetRole }> | null;
  affectedUserUids?: string[] | null;
}

/** An argument left out keeps the current value; null clears it. */
export interface AssignIncidentInput {
  assigneeUid?: string | null;
  assigneeGroupUid?: string | null;
}

const INCIDENT_LIMITS = {
  titleLength: 200,
  descriptionLength: 10_000,
  noteLength: 10_000,
  uidLength: 200,
  affectedAssets: 50,
  affectedUsers: 50,
} as const;

/**
 * The incident mutations for one caller. Each writes one document in one atomic operation that both changes
 * the incident and appends its timeline entry; a change based on a state that moved meanwhile writes nothing
 * and fails with CONFLICT. The actor of every entry is the verified principal's subject.
 */
export class IncidentCommands {
  constructor(
    private readonly repository: IncidentRepository,
    private readonly actorUid: string,
  ) {}

  async create(input: CreateIncidentInput): Promise<IncidentDocument> {
    const title = requireText('input.title', 'The title', input.title, INCIDENT_LIMITS.titleLength);
    const description = input.description == null || input.description.trim() === '' ? null : requireText('input.description', 'The description', input.description, INCIDENT_LIMITS.descriptionLength);
    const assigneeUid = optionalUid('input.assigneeUid', input.assigneeUid);
    const assigneeGroupUid = optionalUid('input.assigneeGroupUid', input.assigneeGroupUid);
    const affectedAssets = input.affectedAssets ?? [];
    uniqueUids('input.affectedAssets', 'The affected assets', affectedAssets.map((a) => a.uid), INCIDENT_LIMITS.affectedAssets);
    const affectedUserUids = input.affectedUserUids ?? [];
    uniqueUids('input.affectedUserUids', 'The affected users', affectedUserUids, INCIDENT_LIMITS.affectedUsers);

    const now = new Date();
    const incident: IncidentDocument = {
      tenant: this.repository.tenant,
      uid: `inc-${this.repository.tenant}-${randomUUID()}`,
      title,
      description,
      severity: input.severity,
      severityId: SEVERITY_ID[input.severity],
      status: 'NEW',
      verdict: 'UNKNOWN',
      priority: input.priority ?? 'UNKNOWN',
      createdAt: now,
      updatedAt: now,
      resolvedAt: null,
      closedAt: null,
      assigneeUid,
      assigneeGroupUid,
      affectedAssets: affectedAssets.map(({ uid, role }) => ({ uid, role })),
      affectedUserUids: [...affectedUserUids],
      findings: [],
      timeline: [this.entry(now, 'CREATED', 'Incident opened', null, 'NEW')],
    };
    await this.repository.insert(incident);
    return incident;
  }

  async updateStatus(uid: string, status: IncidentStatus, reopen: boolean, note?: string | null): Promise<IncidentDocument> {
    const noteText = note == null ? null : requireText('note', 'The note', note, INCIDENT_LIMITS.noteLength);
    const current = await this.existing(uid);
    const now = new Date();
    const transition = planTransition(current.status, status, reopen, now);
    const change = `${transition.kind === 'REOPENED' ? 'Reopened: status' : 'Status'} changed from ${current.status} to ${status}`;
    const updated = await this.repository.updateIfUnchanged(
      uid,
      { status: current.status },
      { status, updatedAt: now, ...transition.set },
      this.entry(now, transition.kind, noteText ? `${change}: ${noteText}` : change, current.status, status),
      { kind: 'STATUS_CHANGED', at: now },
    );
    if (!updated) throw changedMeanwhile(uid, `its status is no longer ${current.status}`);
    return updated;
  }

  async assign(uid: string, input: AssignIncidentInput): Promise<IncidentDocument> {
    const changes: { assigneeUid?: string | null; assigneeGroupUid?: string | null } = {};
    if (input.assigneeUid !== undefined) changes.assigneeUid = optionalUid('assigneeUid', input.assigneeUid);
    if (input.assigneeGroupUid !== undefined) changes.assigneeGroupUid = optionalUid('assigneeGroupUid', input.assigneeGroupUid);
    if (Object.keys(changes).length === 0) {
      throw badUserInput('assigneeUid', 'Pass assigneeUid, assigneeGroupUid or both; null clears one');
    }
    const current = await this.existing(uid);
    const expected: Partial<Record<keyof typeof changes, string | null>> = {};
    const messages: string[] = [];
    if (changes.assigneeUid !== undefined) {
      expected.assigneeUid = current.assigneeUid;
      messages.push(changes.assigneeUid === null ? 'Assignee cleared' : `Assigned to user ${changes.assigneeUid}`);
    }
    if (changes.assigneeGroupUid !== undefined) {
      expected.assigneeGroupUid = current.assigneeGroupUid;
      messages.push(changes.assigneeGroupUid === null ? 'Assignee group cleared' : `Assigned to group ${changes.assigneeGroupUid}`);
    }
    const now = new Date();
    const updated = await this.repository.updateIfUnchanged(uid, expected, { ...changes, updatedAt: now }, this.entry(now, 'ASSIGNED', messages.join('; '), null, null), { kind: 'ASSIGNED', at: now });
    if (!updated) throw changedMeanwhile(uid, 'its assignment changed');
    return updated;
  }

  async addNote(uid: string, note: string): Promise<IncidentDocument> {
    const text = requireText('note', 'The note', note, INCIDENT_LIMITS.noteLength);
    const now = new Date();
    // Appending loses nothing that happened meanwhile, so the write needs no expected state.
    const updated = await this.repository.updateIfUnchanged(uid, {}, { updatedAt: now }, this.entry(now, 'NOTE_ADDED', text, null, null), { kind: 'NOTE_ADDED', at: now });
    if (!updated) throw noSuchIncident(uid);
    return updated;
  }

  private async existing(uid: string): Promise<IncidentDocument> {
    const incident = await this.repository.findByUid(uid);
    if (!incident) throw noSuchIncident(uid);
    return incident;
  }

  private entry(at: Date, kind: TimelineEntryDocument['kind'], message: string, fromStatus: IncidentStatus | null, toStatus: IncidentStatus | null): TimelineEntryDocument {
    return { at, kind, message, actorUid: this.actorUid, fromStatus, toStatus };
  }
}

function noSuchIncident(uid: string) {
  return badUserInput('uid', `There is no incident with uid "${uid}"`);
}

function changedMeanwhile(uid: string, what: string) {
  return conflict(`Incident ${uid} changed while this update was being applied (${what}); nothing was written. Reload it and try again`);
}

/** Trimmed text that is not empty and not longer than `max` characters. */
function requireText(argument: string, label: string, value: string, max: number): string {
  const text = value.trim();
  if (text === '') throw badUserInput(argument, `${label} must not be empty`);
  if (text.length > max) throw badUserInput(argument, `${label} must be at most ${max} characters, got ${text.length}`);
  return text;
}

function optionalUid(argument: string, value: string | null | undefined): string | null {
  if (value == null) return null;
  if (value.trim() === '') throw badUserInput(argument, 'A uid must not be empty; pass null for none');
  if (value.length > INCIDENT_LIMITS.uidLength) throw badUserInput(argument, `A uid must be at most ${INCIDENT_LIMITS.uidLength} characters`);
  return value;
}

function uniqueUids(argument: string, label: string, uids: string[], max: number): void {
  if (uids.length > max) throw badUserInput(argument, `${label} may be at most ${max}, got ${uids.length}`);
  for (const uid of uids) optionalUid(argument, uid);
  const duplicate = uids.find((uid, i) => uids.indexOf(uid) !== i);
  if (duplicate !== undefined) throw badUserInput(argument, `${label} list "${duplicate}" more than once`);
}
