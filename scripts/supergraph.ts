import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLError } from 'graphql';

/** The subgraphs in the supergraph, with the URL embedded in it; the gateway overrides the URLs from its configuration. */
export const SUBGRAPHS = [
  { name: 'identity', url: 'http://localhost:4001/graphql' },
  { name: 'assets', url: 'http://localhost:4002/graphql' },
  { name: 'incidents', url: 'http://localhost:4003/graphql' },
] as const;

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';

export type CompositionOutcome = { ok: true; supergraphSdl: string } | { ok: false; errors: GraphQLError[] };

/** Composes the subgraphs' SDL files (subgraphs/<name>/schema.graphql under rootDir) into a supergraph. */
export function composeSupergraph(rootDir: string): CompositionOutcome {
  const services = SUBGRAPHS.map(({ name, url }) => ({
    name,
    url,
    typeDefs: parse(readFileSync(join(rootDir, 'subgraphs', name, 'schema.graphql'), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors };
  return { ok: true, supergraphSdl: `${result.supergraphSdl}\n` };
}
