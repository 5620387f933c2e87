import { Query } from 'mingo';
import { badUserInput } from '../../../../lib/errors';
import { changeEventId, type IncidentChangeDocument, type IncidentChangeKind, type IncidentDocument } from './incident-document';
import { filterConditions, type IncidentFilterInput } from './incident-query';
import type { IncidentRepository } from './incident-repository';

/** One committed change of an incident, as Query.incidentChangedEvent and Subscription.incidentChanged give it. */
export interface IncidentChange {
  id: string;
  kind: IncidentChangeKind;
  at: Date;
  sequence: number;
  incident: IncidentDocument;
}

export interface IncidentChangeArgs {
  id: string;
  filter?: IncidentFilterInput | null;
  kinds?: IncidentChangeKind[] | null;
}

/**
 * The change an event names, as the caller may see it: null when there is no such change in the caller's tenant
 * (another tenant's event reads exactly as one that never happened), when it is no longer kept, or when the
 * incident does not match the subscription's filter (the same conditions as incidents(filter:), evaluated on the
 * incident as it is now) or the change is not of a kind asked for.
 */
export async function findIncidentChange(repository: IncidentRepository, args: IncidentChangeArgs): Promise<IncidentChange | null> {
  const conditions = filterConditions(args.filter ?? {});
  if (args.kinds && args.kinds.length === 0) throw badUserInput('kinds', 'Pass at least one kind, or leave kinds out for every kind');
  const separator = args.id.lastIndexOf(':');
  const sequence = Number(args.id.slice(separator + 1));
  if (separator <= 0 || !Number.isSafeInteger(sequence) || sequence < 1) return null;
  const incident = await repository.findByUid(args.id.slice(0, separator));
  if (!incident) return null;
  const change = keptChange(incident, sequence);
  if (!change) return null;
  if (args.kinds && !args.kinds.includes(change.kind)) return null;
  if (conditions.length > 0 && !new Query({ $and: conditions }).test(incident)) return null;
  return { id: changeEventId(incident.uid, sequence), kind: change.kind, at: change.at, sequence, incident };
}

function keptChange(incident: IncidentDocument, sequence: number): IncidentChangeDocument | undefined {
  const changes = incident.changes ?? [];
  // The last change carries changeSequence; each earlier one, one less (see changeSequenceAt).
  return changes[changes.length - 1 - ((incident.changeSequence ?? 0) - sequence)];
}
