import type { TimelineEntryDocument } from '../data/incident-document';
import { userReference } from './references';

export const TimelineEntry = {
  actor: (entry: TimelineEntryDocument) => (entry.actorUid ? userReference(entry.actorUid) : null),
};
