import type { CollectionSetup } from '../../../../subgraph-kit/documents';
import { demoIncidentDocuments } from './demo-incidents';
import { INCIDENTS_COLLECTION, type IncidentDocument } from './incident-document';
import { INCIDENT_INDEXES } from './incident-repository';

/** The incidents collection: its indexes, created at start, and its demo data, seeded into an empty one. */
export const INCIDENTS: CollectionSetup<IncidentDocument> = { name: INCIDENTS_COLLECTION, indexes: INCIDENT_INDEXES, demo: demoIncidentDocuments };
