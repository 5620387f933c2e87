import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { startGraph, type Graph } from './support/graph';

/**
 * The introspection query every tool sends (GraphiQL, Altair, Postman, Insomnia, GraphQL Code Generator) works
 * wherever introspection is allowed, with every option graphql-js offers; its own type-reference nesting does not
 * count against maxDepth, while circular introspection is still refused. An operation the gateway cannot run is
 * a 4xx with a message, never a 500.
 */

const FULL = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });

let graph: Graph;

beforeAll(async () => {
  graph = await startGraph({ demoDataScale: 0.02 });
});

afterAll(async () => {
  await graph?.close();
});

describe('introspection as tools send it', () => {
  it.each([
    ['user', {}],
    ['script', { kind: 'script' as const, clientId: 'codegen' }],
  ])("answers getIntrospectionQuery() with every option to a %s token, and the answer builds the schema", async (_kind, tokenOptions) => {
    const { status, body } = await graph.request(FULL, { token: await graph.token(tokenOptions) });
    expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
    const schema = buildClientSchema(body.data as IntrospectionQuery);
    expect(schema.getQueryType()?.getFields()).toHaveProperty('incidents');
    expect(schema.getType('IncidentFilter')).toBeDefined();
    expect(Object.keys(schema.getTypeMap()).some((name) => name.startsWith('join__') || name.startsWith('link__'))).toBe(false);
  });

  it('refuses it to a partner', async () => {
    const partner = await graph.token({ kind: 'partner', sub: 'partner-x-feed', clientId: 'partner-x', scopes: ['incidents:read'] });
    const { status, body } = await graph.request(FULL, { token: partner });
    expect({ status, code: body.errors?.[0].extensions?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
  });

  it('still refuses circular introspection (fields of the types of fields, nested)', async () => {
    const query = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    const { status, body } = await graph.request(query);
    expect({ status, code: body.errors?.[0].extensions?.code }).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('refuses type references nested deeper than the introspection query itself nests them', async () => {
    let ofType = 'name';
    for (let i = 0; i < 20; i += 1) ofType = `ofType { ${ofType} }`;
    const { status, body } = await graph.request(`{ __type(name: "User") { fields { type { ${ofType} } } } }`);
    expect({ status, code: body.errors?.[0].extensions?.code, limit: body.errors?.[0].extensions?.limit }).toEqual({ status: 400, code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxDepth' });
  });
});

describe('operations the gateway cannot run', () => {
  it.each([
    ['a subscription', 'subscription { incidentChanged { incident { uid } } }'],
    ['an operation of a root type the schema lacks', 'subscription Nothing { __typename }'],
  ])('%s: a 4xx with a message, never a 500', async (_case, query) => {
    const { status, body } = await graph.request(query);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(body.errors?.[0].message).toEqual(expect.any(String));
    expect(body.errors?.[0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });
});
