import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';

/**
 * The schema clients see (no join__ or link__ definitions), which persisted operations validate against.
 * The supergraph links the authorization specs `for: SECURITY`, which only Apollo's Router supports;
 * they do not change the API schema, so the feature check is skipped here.
 */
export function apiSchemaFromSupergraph(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
}
