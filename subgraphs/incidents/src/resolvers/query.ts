import type { IncidentLoaders } from '../data/loaders';
import { findIncidentChange, type IncidentChangeArgs } from '../data/incident-changes';
import { readIncidentListQuery, type IncidentListArgs } from '../data/incident-query';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import { toIncidentConnection } from './connection';

type Context = SubgraphContext<IncidentLoaders>;

export const Query = {
  incident: (_: unknown, args: { uid: string }, { loaders }: Context) => loaders.incidentByUid.load(args.uid),

  async incidents(_: unknown, args: IncidentListArgs, { loaders }: Context) {
    const query = readIncidentListQuery(args);
    return toIncidentConnection(await loaders.repository.page(query), query);
  },

  incidentChangedEvent: (_: unknown, args: IncidentChangeArgs, { loaders }: Context) => findIncidentChange(loaders.repository, args),
};
