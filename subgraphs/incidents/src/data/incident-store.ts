import { DuplicateKeyError, type DocumentDatabase } from '../../../../lib/documents';
import { generateDemoData } from '../../../../lib/demo-data';
import type { Logger } from '../../../../lib/logger';
import { INCIDENTS_COLLECTION, type IncidentDocument } from './incident-document';
import { INCIDENT_INDEXES } from './incident-repository';

/**
 * Makes the store ready to serve: creates the indexes, and seeds the demo incidents of every tenant when the
 * collection is empty and a scale is given. This runs at start, before any request, so it uses the collection
 * without a tenant filter: it writes whole tenants' demo data and reads nothing for anyone.
 */
export async function prepareIncidentStore(database: DocumentDatabase, options: { demoDataScale: number; logger: Logger }): Promise<void> {
  const incidents = database.collection<IncidentDocument>(INCIDENTS_COLLECTION);
  await incidents.createIndexes(INCIDENT_INDEXES);
  if (options.demoDataScale <= 0 || (await incidents.countDocuments({})) > 0) return;
  const demo: IncidentDocument[] = generateDemoData({ scale: options.demoDataScale }).incidents;
  try {
    await incidents.insertMany(demo);
    options.logger.info({ incidents: demo.length, scale: options.demoDataScale }, 'seeded demo incidents');
  } catch (error) {
    // Another replica that started at the same moment seeded the same deterministic data first.
    if (!(error instanceof DuplicateKeyError)) throw error;
    options.logger.info('demo incidents were seeded by another instance');
  }
}
