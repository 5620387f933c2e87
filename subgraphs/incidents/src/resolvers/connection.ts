import { toConnection, type Connection } from '../../../../subgraph-kit/connection';
import type { IncidentDocument } from '../data/incident-document';
import { incidentCursorKey, type IncidentListQuery } from '../data/incident-query';
import type { IncidentPage } from '../data/incident-repository';

export function toIncidentConnection(page: IncidentPage, query: IncidentListQuery): Connection<IncidentDocument> {
  return toConnection(page.rows, query.first, page.totalCount, incidentCursorKey);
}
