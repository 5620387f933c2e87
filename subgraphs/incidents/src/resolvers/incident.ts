import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { IncidentDocument } from '../data/incident-document';
import type { IncidentLoaders } from '../data/loaders';
import { assetReference, groupReference, userReference } from './references';

type Context = SubgraphContext<IncidentLoaders>;

export const Incident = {
  __resolveReference: (reference: EntityReference, { loaders }: Context) => loaders.incidentByUid.load(uidOf(reference)),
  assignee: (incident: IncidentDocument) => (incident.assigneeUid ? userReference(incident.assigneeUid) : null),
  assigneeGroup: (incident: IncidentDocument) => (incident.assigneeGroupUid ? groupReference(incident.assigneeGroupUid) : null),
  affectedAssets: (incident: IncidentDocument) => incident.affectedAssets.map(({ uid, role }) => ({ role, asset: assetReference(uid) })),
  affectedUsers: (incident: IncidentDocument) => incident.affectedUserUids.map(userReference),
};
