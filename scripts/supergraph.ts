import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLError } from 'graphql';

/** A subgraph to compose: its name, the URL the supergraph gives it, and its SDL file relative to the project root. */
export interface SubgraphSource {
  name: string;
  url: string;
  schema: string;
}

/**
 * The subgraphs in the supergraph, with the URL embedded in it; the gateway calls each there unless
 * SUBGRAPH_<NAME>_URL overrides it. A new subgraph is one more line here (README, "Adding a subgraph").
 */
export const SUBGRAPHS: readonly SubgraphSource[] = [
  { name: 'identity', url: 'http://localhost:4001/graphql', schema: 'subgraphs/identity/schema.graphql' },
  { name: 'assets', url: 'http://localhost:4002/graphql', schema: 'subgraphs/assets/schema.graphql' },
  { name: 'incidents', url: 'http://localhost:4003/graphql', schema: 'subgraphs/incidents/schema.graphql' },
];

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';

export type CompositionOutcome = { ok: true; supergraphSdl: string } | { ok: false; errors: GraphQLError[] };

/** Composes the subgraphs' SDL files (SUBGRAPHS unless given) into a supergraph. */
export function composeSupergraph(rootDir: string, subgraphs: readonly SubgraphSource[] = SUBGRAPHS): CompositionOutcome {
  const services = subgraphs.map(({ name, url, schema }) => ({ name, url, typeDefs: parse(readFileSync(join(rootDir, schema), 'utf8')) }));
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors };
  return { ok: true, supergraphSdl: `${result.supergraphSdl}\n` };
}
