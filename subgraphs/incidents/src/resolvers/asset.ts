import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { readIncidentListQuery, type IncidentListArgs } from '../data/incident-query';
import type { IncidentLoaders } from '../data/loaders';
import { toIncidentConnection } from './connection';

type Context = SubgraphContext<IncidentLoaders>;

/** Assets owns assets (Asset is an @interfaceObject here); this subgraph adds their incidents. */
export const Asset = {
  __resolveReference: (reference: EntityReference) => ({ uid: uidOf(reference) }),

  async incidents(asset: { uid: string }, args: IncidentListArgs, { loaders }: Context) {
    const query = readIncidentListQuery(args);
    return toIncidentConnection(await loaders.incidentsOfAsset(asset.uid, query), query);
  },
};
