import DataLoader from 'dataloader';
import { TenantScopedCollection, type DocumentCollection } from '../../../../subgraph-kit/documents';
import { createPageLoader, oneForEachKey, type PageLoader } from '../../../../subgraph-kit/loaders';
import { observedBatch, type SubgraphMetrics } from '../../../../subgraph-kit/metrics';
import type { Principal } from '../../../../lib/principal';
import { IncidentCommands } from './incident-commands';
import type { IncidentDocument } from './incident-document';
import type { IncidentListQuery } from './incident-query';
import { IncidentRepository } from './incident-repository';

/** What the resolvers of one request use to reach the data. Created per request, never shared. */
export interface IncidentLoaders {
  repository: IncidentRepository;
  commands: IncidentCommands;
  incidentByUid: DataLoader<string, IncidentDocument | null>;
  /** One parent's page of incidents; parents asked for with equal arguments in one tick share one batch. */
  incidentsOfUser: PageLoader<IncidentListQuery, IncidentDocument>;
  incidentsOfAsset: PageLoader<IncidentListQuery, IncidentDocument>;
}

/**
 * Builds one request's loaders for one principal. The collection is wrapped in the tenant filter here, with
 * the tenant of the verified principal, so every key and every batch below belongs to that tenant. With
 * metrics, each batch's size is recorded under the loader's name.
 */
export function createIncidentLoaders(collection: DocumentCollection<IncidentDocument>, principal: Principal, metrics?: SubgraphMetrics): IncidentLoaders {
  const repository = new IncidentRepository(new TenantScopedCollection(collection, principal.tenant));
  return {
    repository,
    commands: new IncidentCommands(repository, principal.sub),
    incidentByUid: new DataLoader(observedBatch('incidentByUid', metrics, async (uids) => oneForEachKey(uids, await repository.findByUids(uids), (incident) => incident.uid))),
    incidentsOfUser: createPageLoader('incidentsOfUser', metrics, (uids, query) => repository.pagesByParent('user', uids, query)),
    incidentsOfAsset: createPageLoader('incidentsOfAsset', metrics, (uids, query) => repository.pagesByParent('asset', uids, query)),
  };
}
