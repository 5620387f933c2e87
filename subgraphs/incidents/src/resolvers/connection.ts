import { toConnection, type Connection, type Page } from '../../../../subgraph-kit/connection';
import type { IncidentDocument } from '../data/incident-document';
import { incidentCursorKey, type IncidentListQuery } from '../data/incident-query';

export function toIncidentConnection(page: Page<IncidentDocument>, query: IncidentListQuery): Connection<IncidentDocument> {
  return toConnection(page, query.first, incidentCursorKey);
}
