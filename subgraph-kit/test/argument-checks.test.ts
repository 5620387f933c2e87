import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { argumentChecksPlugin, MAX_LIST_LENGTH } from '../argument-checks';

const TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Query {
    notes(filter: NoteFilter, tags: [String!]): [Note!]!
    note(uid: ID!): Note
  }

  enum Status { OPEN CLOSED }

  input NoteFilter {
    status: [Status!]
    author: ID
    within: NoteFilter
  }

  type Note @key(fields: "uid") {
    uid: ID!
  }
`);

interface Answer {
  status: number | undefined;
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

describe('bounded arguments', () => {
  let apollo: ApolloServer;
  /** How often a resolver ran: a refused request runs none. */
  let resolved = 0;

  beforeAll(async () => {
    const resolve = () => {
      resolved += 1;
      return [];
    };
    const schema = buildSubgraphSchema({
      typeDefs: TYPE_DEFS,
      resolvers: {
        Query: { notes: resolve, note: () => (resolved += 1) && null },
        Note: { __resolveReference: (reference: { uid: string }) => (resolved += 1) && reference },
      },
    });
    apollo = new ApolloServer({ schema, plugins: [argumentChecksPlugin()] });
    await apollo.start();
  });
  afterAll(() => apollo.stop());
  beforeEach(() => {
    resolved = 0;
  });

  async function run(query: string, variables?: Record<string, unknown>): Promise<Answer> {
    const response = await apollo.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, ...response.body.singleResult };
  }

  const statuses = (count: number) => Array.from({ length: count }, (_, i) => (i % 2 ? 'OPEN' : 'CLOSED'));

  it('refuses 20,000 values in a list variable nested in an input object, before any resolver runs, naming the path', async () => {
    const answer = await run('query ($s: [Status!]) { notes(filter: { status: $s }) { uid } }', { s: statuses(20_000) });
    expect(answer.status).toBe(200);
    expect(answer.data).toBeUndefined();
    expect(answer.errors).toEqual([
      {
        message: 'The list "filter.status" has 20000 items; at most 500 are allowed. Send fewer values, or split them over several requests',
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'filter.status', maximum: MAX_LIST_LENGTH, value: 20_000 },
      },
    ]);
    expect(resolved).toBe(0);
  });

  it('finds the list in a whole input object sent as a variable, and in input objects within it', async () => {
    const direct = await run('query ($f: NoteFilter) { notes(filter: $f) { uid } }', { f: { status: statuses(501) } });
    expect(direct.errors?.[0].extensions).toMatchObject({ argumentName: 'filter.status', value: 501 });
    const nested = await run('query ($f: NoteFilter) { notes(filter: $f) { uid } }', { f: { within: { status: statuses(600) } } });
    expect(nested.errors?.[0].extensions).toMatchObject({ argumentName: 'filter.within.status', value: 600 });
    expect(resolved).toBe(0);
  });

  it('finds the list in a literal, in a fragment too', async () => {
    const tags = JSON.stringify(Array.from({ length: 501 }, (_, i) => `t${i}`));
    const literal = await run(`{ notes(tags: ${tags}) { uid } }`);
    expect(literal.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'tags', maximum: 500, value: 501 });
    const inFragment = await run(`{ ...Notes } fragment Notes on Query { notes(filter: { status: [${statuses(501).join(', ')}] }) { uid } }`);
    expect(inFragment.errors?.[0].extensions).toMatchObject({ argumentName: 'filter.status', value: 501 });
    expect(resolved).toBe(0);
  });

  it('serves a list of exactly the maximum', async () => {
    const answer = await run('query ($s: [Status!]) { notes(filter: { status: $s }) { uid } }', { s: statuses(MAX_LIST_LENGTH) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ notes: [] });
    expect(resolved).toBe(1);
  });

  it('lets _entities take up to 5,000 representations, the gateway batching many entities into one fetch', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Note { uid } } }';
    const representations = (count: number) => Array.from({ length: count }, (_, i) => ({ __typename: 'Note', uid: `n${i}` }));
    const served = await run(query, { r: representations(5_000) });
    expect(served.errors).toBeUndefined();
    expect(resolved).toBe(5_000);
    const refused = await run(query, { r: representations(5_001) });
    expect(refused.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName: 'representations', maximum: 5_000, value: 5_001 });
  });

  it('bounds lists inside JSON scalars such as a representation', async () => {
    const answer = await run('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Note { uid } } }', {
      r: [{ __typename: 'Note', uid: 'n1', padding: Array.from({ length: 501 }, () => 0) }],
    });
    expect(answer.errors?.[0].extensions).toMatchObject({ argumentName: 'representations[0].padding', maximum: 500, value: 501 });
    expect(resolved).toBe(0);
  });

  it('refuses a NUL character in text, in a literal, a variable or a representation, naming where it is', async () => {
    const literal = await run('{ note(uid: "a\\u0000b") { uid } }');
    expect(literal.errors).toEqual([
      { message: 'The text in "uid" contains a NUL character (U+0000), which no store takes as data; remove it', extensions: { code: 'BAD_USER_INPUT', argumentName: 'uid' } },
    ]);
    const variable = await run('query ($f: NoteFilter) { notes(filter: $f) { uid } }', { f: { author: 'usr\u0000' } });
    expect(variable.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName: 'filter.author' });
    const representation = await run('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Note { uid } } }', { r: [{ __typename: 'Note', uid: '\u0000' }] });
    expect(representation.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName: 'representations[0].uid' });
    expect(resolved).toBe(0);
  });
});
