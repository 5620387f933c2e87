import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { readIncidentListQuery, type IncidentListArgs } from '../data/incident-query';
import type { IncidentLoaders } from '../data/loaders';
import { toIncidentConnection } from './connection';

type Context = SubgraphContext<IncidentLoaders>;

/** Identity owns users; this subgraph adds their incidents, so a reference is all it needs. */
export const User = {
  __resolveReference: (reference: EntityReference) => ({ uid: uidOf(reference) }),

  async incidents(user: { uid: string }, args: IncidentListArgs, { loaders }: Context) {
    const query = readIncidentListQuery(args);
    return toIncidentConnection(await loaders.incidentsOfUser(user.uid, query), query);
  },
};
