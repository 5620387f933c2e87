import { types } from 'node:util';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ErrorCode } from '../lib/errors';

function notAString(what: string): GraphQLError {
  return new GraphQLError(`DateTime takes an ISO 8601 string such as 2026-03-01T12:00:00.000Z, not ${what}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT },
  });
}

/**
 * The DateTime scalar of every subgraph. Dates leave as ISO 8601 strings in UTC (types.isDate rather than
 * instanceof: rows from the PGlite worker thread carry Dates of another JavaScript realm). On the way in it
 * only requires a string: the value is checked where its argument is read, because only there can the error
 * name the argument, and because an error raised here for a literal would surface as a validation failure
 * instead of BAD_USER_INPUT.
 */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An instant in time, ISO 8601 in UTC, for example 2026-03-01T12:00:00.000Z.',
  serialize(value) {
    if (types.isDate(value) && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new GraphQLError('DateTime cannot represent a value that is not a valid Date');
  },
  parseValue(value) {
    if (typeof value !== 'string') throw notAString(`a ${typeof value}`);
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw notAString(`a ${ast.kind.toLowerCase()} literal`);
    return ast.value;
  },
});
