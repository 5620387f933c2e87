import DataLoader from 'dataloader';
import { TenantScopedCollection, type DocumentCollection } from '../../../../subgraph-kit/documents';
import type { Principal } from '../../../../lib/principal';
import { observedBatch, type SubgraphMetrics } from '../../../../subgraph-kit/metrics';
import { IncidentCommands } from './incident-commands';
import type { IncidentDocument } from './incident-document';
import type { IncidentListQuery } from './incident-query';
import { IncidentRepository, type IncidentPage, type IncidentParent } from './incident-repository';

/** Loads one parent's page of incidents; calls with equal arguments in one tick share one batch. */
export type IncidentPageLoader = (parentUid: string, query: IncidentListQuery) => Promise<IncidentPage>;

/** What the resolvers of one request use to reach the data. Created per request, never shared. */
export interface IncidentLoaders {
  repository: IncidentRepository;
  commands: IncidentCommands;
  incidentByUid: DataLoader<string, IncidentDocument | null>;
  incidentsOfUser: IncidentPageLoader;
  incidentsOfAsset: IncidentPageLoader;
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
    incidentByUid: new DataLoader(
      observedBatch('incidentByUid', metrics, async (uids) => {
        const byUid = new Map((await repository.findByUids(uids)).map((incident) => [incident.uid, incident]));
        return uids.map((uid) => byUid.get(uid) ?? null);
      }),
    ),
    incidentsOfUser: pageLoader(repository, 'user', 'incidentsOfUser', metrics),
    incidentsOfAsset: pageLoader(repository, 'asset', 'incidentsOfAsset', metrics),
  };
}

/** One DataLoader per distinct set of arguments, so that each batch is one query for parents that ask alike. */
function pageLoader(repository: IncidentRepository, parent: IncidentParent, name: string, metrics: SubgraphMetrics | undefined): IncidentPageLoader {
  const loaders = new Map<string, DataLoader<string, IncidentPage>>();
  return (parentUid, query) => {
    const key = JSON.stringify(query);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(
        observedBatch(name, metrics, async (parentUids) => {
          const pages = await repository.pagesByParent(parent, parentUids, query);
          return parentUids.map((uid) => pages.get(uid) ?? { rows: [], totalCount: 0 });
        }),
      );
      loaders.set(key, loader);
    }
    return loader.load(parentUid);
  };
}
