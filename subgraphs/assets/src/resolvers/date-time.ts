import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ErrorCode } from '../../../../lib/errors';

function invalid(what: string): GraphQLError {
  return new GraphQLError(`DateTime takes an ISO 8601 string such as 2026-03-01T12:00:00.000Z, not ${what}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT },
  });
}

function parse(value: string): Date {
  const date = new Date(value);
  if (!value.includes('T') || Number.isNaN(date.getTime())) throw invalid(JSON.stringify(value.slice(0, 40)));
  return date;
}

/** Stored dates leave as ISO 8601 strings in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time, ISO 8601 in UTC, for example 2026-03-01T12:00:00.000Z.',
  serialize(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new GraphQLError('DateTime cannot represent a value that is not a valid Date');
  },
  parseValue(value) {
    if (typeof value !== 'string') throw invalid(`a ${typeof value}`);
    return parse(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid(`a ${ast.kind.toLowerCase()} literal`);
    return parse(ast.value);
  },
});
