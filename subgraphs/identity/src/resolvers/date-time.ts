import { types } from 'node:util';
import { GraphQLError, GraphQLScalarType } from 'graphql';

/**
 * DateTime values leave the subgraph as ISO 8601 strings in UTC, as the schema documents. types.isDate rather
 * than instanceof: rows from the PGlite worker thread carry Dates of another JavaScript realm under Jest.
 */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize(value) {
    if (types.isDate(value) && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new GraphQLError('DateTime cannot represent a value that is not a valid Date');
  },
});
