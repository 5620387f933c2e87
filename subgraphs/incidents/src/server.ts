import { join } from 'node:path';
import { defineSubgraph, type AssembledSubgraph } from '../../../subgraph-kit/define-subgraph';
import { documentStore } from '../../../subgraph-kit/documents';
import { startChangeRelay } from '../../../subgraph-kit/documents/change-relay';
import { INCIDENTS_COLLECTION, type IncidentDocument } from './data/incident-document';
import { INCIDENTS } from './data/incident-store';
import { detectionFindingWriter, readCorrelationSettings } from './ingestion/detection-finding-writer';
import { createIncidentLoaders, type IncidentLoaders } from './data/loaders';
import { resolvers } from './resolvers';

/** Incidents with their findings and timelines, one document per incident, and the incident mutations. */
export const incidentsSubgraph = defineSubgraph({
  name: 'incidents',
  port: 4003,
  metricsPort: 9403,
  schemaPath: join(__dirname, '..', 'schema.graphql'),
  resolvers,
  store: documentStore({ defaultDatabase: 'palisade_incidents', collections: [INCIDENTS] }),
  createLoaders: (database, principal, metrics) => createIncidentLoaders(database.collection<IncidentDocument>(INCIDENTS_COLLECTION), principal, metrics),
  // Detection Findings (OCSF 2004) correlated into incidents, from the intake (see ingestion/).
  ingestion: [{ classUid: 2004, readSettings: readCorrelationSettings, createWriter: detectionFindingWriter }],
  // Subscription.incidentChanged: each change an incident records is published after it commits.
  changes: (database, publisher, logger, settings) =>
    startChangeRelay({ collection: database.collection<IncidentDocument>(INCIDENTS_COLLECTION), field: 'incidentChanged', publisher, logger, ...settings }),
});

export const createIncidentsService = incidentsSubgraph.create;
export type IncidentsService = AssembledSubgraph<IncidentLoaders>;
