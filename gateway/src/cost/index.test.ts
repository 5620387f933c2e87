import { GraphQLError } from 'graphql';
import { preparedOperation, principal, servedSchema } from '../pipeline/test-fixtures';
import { useCost } from '.';

const SDL = `
  directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION | SCALAR | ENUM
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
  type Query {
    incidents(first: Int = 20): IncidentConnection @listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
    report: Report
  }
  type IncidentConnection { edges: [IncidentEdge!]! }
  type IncidentEdge { node: Incident! }
  type Incident { uid: ID! assignee: User }
  type User { uid: ID! }
  type Report @cost(weight: 50) { total: Int }
`;

describe('useCost', () => {
  const schema = servedSchema(SDL);
  const cost = useCost({ user: 200, script: 1000, partner: 60 });
  cost.onSchema!(schema);

  /** What onOperation refused, or undefined; the operation keeps its estimate either way. */
  function estimate(query: string, kind: 'user' | 'script' | 'partner', variables: Record<string, unknown> = {}) {
    const operation = preparedOperation(query, { schema, principal: principal({ kind }), variables });
    let refused: GraphQLError | undefined;
    try {
      void cost.onOperation!(operation);
    } catch (error) {
      refused = error as GraphQLError;
    }
    return { cost: operation.cost, refused };
  }

  it('leaves the estimate on the operation, for the cost budget of the rate limits and the audit trail', () => {
    // incidents 1 + 5 edges x (edge 1 + node 1 + assignee 1)
    expect(estimate('{ incidents(first: 5) { edges { node { uid assignee { uid } } } } }', 'user')).toEqual({ cost: 16, refused: undefined });
    expect(estimate('query ($n: Int) { incidents(first: $n) { edges { node { uid } } } }', 'user', { n: 40 }).cost).toBe(81);
  });

  it('refuses an operation over the budget of its kind with COST_ESTIMATED_TOO_EXPENSIVE, the estimate and the budget', () => {
    const query = '{ incidents(first: 50) { edges { node { uid assignee { uid } } } } report { total } }';
    expect(estimate(query, 'script').refused).toBeUndefined();
    const { cost: estimated, refused } = estimate(query, 'user');
    expect(estimated).toBe(1 + 50 * 3 + 50);
    expect(refused?.message).toBe('Operation cost 201 exceeds the budget of 200 for user clients; ask for fewer items (first) or fewer nested lists');
    expect(refused?.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: 201, budget: 200, http: { status: 400 } });
    expect(estimate('{ report { total } }', 'partner').refused).toBeUndefined();
    expect(estimate('{ report { total } incidents(first: 10) { edges { node { uid } } } }', 'partner').refused?.extensions).toMatchObject({ cost: 71, budget: 60 });
  });

  it('reads the directives of a schema it was not told about (an operation that started before a reload)', () => {
    const other = servedSchema(SDL.replace('@cost(weight: 50)', '@cost(weight: 500)'));
    const operation = preparedOperation('{ report { total } }', { schema: other, principal: principal({ kind: 'script' }) });
    void cost.onOperation!(operation);
    expect(operation.cost).toBe(500);
  });
});
