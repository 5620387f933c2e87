import { prepareCollection, type DocumentDatabase } from '../../../../subgraph-kit/documents';
import type { Logger } from '../../../../lib/logger';
import { demoIncidentDocuments } from './demo-incidents';
import { INCIDENTS_COLLECTION, type IncidentDocument } from './incident-document';
import { INCIDENT_INDEXES } from './incident-repository';

/** Creates the incidents collection's indexes, and seeds the demo incidents into an empty one when a scale is given. */
export function prepareIncidentStore(database: DocumentDatabase, options: { demoDataScale: number; logger: Logger }): Promise<void> {
  return prepareCollection<IncidentDocument>(database, {
    collection: INCIDENTS_COLLECTION,
    indexes: INCIDENT_INDEXES,
    demo: demoIncidentDocuments,
    ...options,
  });
}
