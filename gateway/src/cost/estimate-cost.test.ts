import { buildSchema, getOperationAST, parse } from 'graphql';
import { readCostDirectives } from './cost-directives';
import { estimateCost } from './estimate-cost';

const sdl = `
  directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION | SCALAR | ENUM
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
  type Query {
    incidents(first: Int = 20): IncidentConnection @listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
    search(term: String @cost(weight: 5)): [Incident!]! @listSize(assumedSize: 7)
    tags: [String!]!
    report: Report
  }
  type Mutation { close(uid: ID!): Incident }
  type IncidentConnection { edges: [IncidentEdge!]! totalCount: Int! }
  type IncidentEdge { node: Incident! }
  type Incident { uid: ID! assignee: User groups: [Group!]! }
  type User { uid: ID! }
  type Group { name: String }
  type Report @cost(weight: 50) { total: Int }
`;
const schema = buildSchema(sdl);
const directives = readCostDirectives(sdl);

function cost(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return estimateCost(schema, document, getOperationAST(document)!, variables, directives, { defaultListSize: 10 });
}

describe('static cost', () => {
  it('objects cost 1 and leaves 0', () => {
    expect(cost('{ report { total } }')).toBe(50);
  });

  it('a connection multiplies its edges by the slicing argument', () => {
    // incidents 1 + 5 edges x (edge 1 + node 1 + assignee 1)
    expect(cost('{ incidents(first: 5) { totalCount edges { node { uid assignee { uid } } } } }')).toBe(1 + 5 * 3);
    expect(cost('{ incidents(first: 50) { edges { node { uid assignee { uid } } } } }')).toBe(1 + 50 * 3);
  });

  it('reads the slicing argument from variables, and falls back to its default', () => {
    expect(cost('query($n: Int) { incidents(first: $n) { edges { node { uid } } } }', { n: 40 })).toBe(1 + 40 * 2);
    expect(cost('{ incidents { edges { node { uid } } } }')).toBe(1 + 20 * 2);
  });

  it('uses assumedSize, argument weights, and the default list size for unannotated lists', () => {
    // search: 7 x (1 + 5 for the argument), groups inside: default 10 each
    expect(cost('{ search(term: "x") { uid } }')).toBe(7 * (1 + 5));
    expect(cost('{ search { groups { name } } }')).toBe(7 * (1 + 10 * 1));
    expect(cost('{ tags }')).toBe(0);
  });

  it('a mutation root field costs at least 10', () => {
    expect(cost('mutation { close(uid: "1") { uid } }')).toBe(10);
  });

  it('counts fragments where they are spread', () => {
    expect(cost('{ incidents(first: 2) { ...E ...E } } fragment E on IncidentConnection { edges { node { uid } } }')).toBe(1 + 2 * (2 * 2));
  });
});
