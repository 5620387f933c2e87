import { GraphQLError } from 'graphql';
import { ConfigError } from '../../../lib/errors';
import type { ClientKind } from '../../../lib/principal';
import { preparedOperation, principal, servedSchema } from '../pipeline/test-fixtures';
import { readIntrospectionKinds } from './config';
import { useIntrospection } from '.';

const schema = servedSchema('type Query { me: User } type User { uid: ID! }');

/** The refusal onOperation throws for this query and client kind, or undefined. */
function refusalOf(query: string, kind: ClientKind, allowed: ClientKind[] = ['user', 'script']): GraphQLError | undefined {
  try {
    void useIntrospection(new Set(allowed)).onOperation!(preparedOperation(query, { schema, principal: principal({ kind }) }));
  } catch (error) {
    return error as GraphQLError;
  }
  return undefined;
}

describe('useIntrospection', () => {
  it('lets the allowed kinds read the schema, and refuses the others with 403 FORBIDDEN', () => {
    expect(refusalOf('{ __schema { types { name } } }', 'user')).toBeUndefined();
    const refused = refusalOf('{ __schema { types { name } } }', 'partner');
    expect(refused?.message).toBe('Introspection is not allowed for partner tokens');
    expect(refused?.extensions).toEqual({ code: 'FORBIDDEN', http: { status: 403 } });
  });

  it.each([
    ['__type', '{ __type(name: "User") { fields { name } } }'],
    ['__schema nested in a field', '{ me { uid __schema { queryType { name } } } }'],
    ['a fragment', 'query { ...Schema } fragment Schema on Query { __schema { types { name } } }'],
    ['an inline fragment', '{ ... on Query { __type(name: "User") { name } } }'],
  ])('finds introspection through %s', (_where, query) => {
    expect(refusalOf(query, 'partner')?.extensions.code).toBe('FORBIDDEN');
  });

  it('leaves __typename open to everyone, and follows a fragment cycle without looping', () => {
    expect(refusalOf('{ __typename me { __typename uid } }', 'partner')).toBeUndefined();
    expect(refusalOf('{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A uid }', 'partner')).toBeUndefined();
  });
});

describe('INTROSPECTION', () => {
  it('lets users and scripts introspect outside production, and nobody in production', () => {
    expect(readIntrospectionKinds({}, false)).toEqual(new Set(['user', 'script']));
    expect(readIntrospectionKinds({}, true)).toEqual(new Set());
  });

  it('reads a comma-separated list of kinds, or none', () => {
    expect(readIntrospectionKinds({ INTROSPECTION: 'user, partner' }, true)).toEqual(new Set(['user', 'partner']));
    expect(readIntrospectionKinds({ INTROSPECTION: 'none' }, false)).toEqual(new Set());
    expect(readIntrospectionKinds({ INTROSPECTION: '' }, false)).toEqual(new Set());
  });

  it('refuses an unknown kind, naming INTROSPECTION', () => {
    expect(() => readIntrospectionKinds({ INTROSPECTION: 'user,admin' }, false)).toThrow(ConfigError);
    expect(() => readIntrospectionKinds({ INTROSPECTION: 'user,admin' }, false)).toThrow('INTROSPECTION: unknown client kind "admin"');
  });
});
