import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { AssignIncidentInput, CreateIncidentInput } from '../data/incident-commands';
import type { IncidentStatus } from '../data/incident-document';
import type { IncidentLoaders } from '../data/loaders';

type Context = SubgraphContext<IncidentLoaders>;

export const Mutation = {
  createIncident: (_: unknown, args: { input: CreateIncidentInput }, { loaders }: Context) => loaders.commands.create(args.input),

  updateIncidentStatus: (_: unknown, args: { uid: string; status: IncidentStatus; reopen?: boolean | null; note?: string | null }, { loaders }: Context) =>
    loaders.commands.updateStatus(args.uid, args.status, args.reopen === true, args.note),

  // An argument left out is absent from args (keep the value); an explicit null is present (clear it).
  assignIncident: (_: unknown, { uid, ...input }: { uid: string } & AssignIncidentInput, { loaders }: Context) => loaders.commands.assign(uid, input),

  addIncidentNote: (_: unknown, args: { uid: string; note: string }, { loaders }: Context) => loaders.commands.addNote(args.uid, args.note),
};
