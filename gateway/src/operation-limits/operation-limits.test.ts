import { getIntrospectionQuery, getOperationAST, GraphQLError, parse } from 'graphql';
import type { ClientKind } from '../../../lib/principal';
import { DocumentCache } from '../pipeline/documents';
import { OperationRequest } from '../pipeline/request';
import { gatewayRequest, principal, servedSchema, testPipeline, usePrincipal } from '../pipeline/test-fixtures';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './config';
import { measureOperation, STANDARD_INTROSPECTION_DEPTH } from './measure';
import { useOperationLimits } from '.';

const partnerLimits: OperationLimits = { maxBytes: 2000, maxTokens: 400, maxDepth: 5, maxAliases: 3, maxRootFields: 2, maxDirectives: 4, maxFields: 60, maxListLength: 5, maxListItems: 8, maxInputDepth: 16 };
const limits: Record<ClientKind, OperationLimits> = { user: DEFAULT_OPERATION_LIMITS.user, script: DEFAULT_OPERATION_LIMITS.script, partner: partnerLimits };

function measure(query: string, operationName?: string) {
  const document = parse(query);
  return measureOperation(document, getOperationAST(document, operationName)!);
}

describe('measuring an operation', () => {
  it('measures depth, aliases, root fields, directives and fields', () => {
    const m = measure('query Q { a: user(uid: "1") @include(if: true) { name groups { name } } users { edges { node { uid } } } }');
    expect(m).toMatchObject({ depth: 4, introspectionDepth: 0, aliases: 1, rootFields: 2, directives: 1, fields: 8 });
  });

  it('expands fragments where they are used', () => {
    const m = measure('query { user { ...F ...F } } fragment F on User { x: name groups { name } }');
    expect(m.aliases).toBe(2);
    expect(m.depth).toBe(3);
    expect(m.fields).toBe(7);
  });

  it('measures the shape of the operation that runs only', () => {
    const m = measure('query A { a b c } query B { b }', 'B');
    expect(m.rootFields).toBe(1);
    expect(m.fields).toBe(1);
  });

  it("counts the directives of the whole document, once each: what validation would read, whatever the operation's shape", () => {
    // The old measure counted directives where fragments were spread (twice here) and only those of the operation run.
    const spreadTwice = measure('query { user { ...F ...F } } fragment F on User @unknown { name @skip(if: false) }');
    expect(spreadTwice.directives).toBe(2);
    const inAnotherOperation = measure('query A { a } query B @x @y { b @z }', 'A');
    expect(inAnotherOperation.directives).toBe(3);
    const onVariablesAndUnusedFragments = measure('query ($n: Int @deprecated) { a } fragment Unused on Query { b @w }');
    expect(onVariablesAndUnusedFragments.directives).toBe(2);
  });

  it('measures depth under __schema and __type apart from the depth of data', () => {
    const m = measure('{ users { edges { uid } } __type(name: "User") { fields { type { ofType { ofType { name } } } } } }');
    expect(m.depth).toBe(3);
    expect(m.introspectionDepth).toBe(6);
    // __typename is data, not introspection.
    expect(measure('{ __typename user { __typename } }')).toMatchObject({ depth: 2, introspectionDepth: 0 });
  });

  it("knows how deep graphql-js's full introspection query goes", () => {
    expect(STANDARD_INTROSPECTION_DEPTH).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.user.maxDepth);
    expect(measure(getIntrospectionQuery({ descriptions: true })).introspectionDepth).toBeLessThanOrEqual(STANDARD_INTROSPECTION_DEPTH);
  });

  it('stops expanding a fragment bomb instead of walking it', () => {
    const levels = Array.from({ length: 8 }, (_, i) => `fragment F${i} on User { ${Array.from({ length: 10 }, () => `...F${i + 1}`).join(' ')} }`);
    const query = `query { user { ...F0 } } ${levels.join(' ')} fragment F8 on User { name }`;
    const started = process.hrtime.bigint();
    const m = measure(query);
    expect(m.fields).toBeGreaterThanOrEqual(100_000);
    // A full walk would visit 10^8 fields; the cap keeps it to a fraction of a second.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(5);
  });
});

describe('enforcing limits', () => {
  /** Runs the behaviour's hooks on a text as the pipeline does: onParams on its text, onDocument once it is parsed. */
  function check(query: string, kind: ClientKind = 'partner', options: { variables?: Record<string, unknown>; documents?: DocumentCache } = {}): GraphQLError | null {
    const plugin = useOperationLimits(limits);
    const operation = new OperationRequest(gatewayRequest(principal({ kind })), { query, variables: options.variables });
    try {
      plugin.onParams!(operation);
      const entry = (options.documents ?? new DocumentCache({ maxTokens: 10_000 })).get(query);
      operation.document = entry.document;
      operation.operation = getOperationAST(entry.document!) ?? undefined;
      plugin.onDocument!(operation, entry);
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      throw error;
    }
    return null;
  }

  it.each([
    ['maxDepth', '{ a { b { c { d { e { f } } } } } }', 6],
    ['maxAliases', '{ a1: a a2: a a3: a a4: a }', 4],
    ['maxRootFields', '{ a b c }', 3],
    ['maxDirectives', '{ a @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) }', 5],
    ['maxFields', `{ a { ${Array.from({ length: 60 }, (_, i) => `f${i}`).join(' ')} } }`, 61],
  ])('refuses an operation over %s, naming the limit and the value', (limitName, query, value) => {
    const error = check(query, 'partner');
    expect(error?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: limitName, value, http: { status: 400 } });
    expect(error?.message).toContain(`${limitName} for partner clients: ${value} >`);
  });

  it('refuses too many tokens and too many bytes before parsing', () => {
    const tokens = check(`{ a { ${Array.from({ length: 400 }, () => 'f').join(' ')} } }`, 'partner');
    expect(tokens?.extensions).toMatchObject({ limit: 'maxTokens', value: 405, maximum: 400 });
    expect(tokens?.message).toBe('Operation exceeds maxTokens for partner clients: 405 > 400');
    // Bytes, not characters: each é is two.
    const text = `{ a(text: "${'é'.repeat(1000)}") }`;
    expect(check(text, 'partner')?.extensions).toMatchObject({ limit: 'maxBytes', value: Buffer.byteLength(text), maximum: 2000 });
  });

  it('judges each request by its own kind, from a measure cached with the document', () => {
    const documents = new DocumentCache({ maxTokens: 10_000 });
    const deep = '{ a { b { c { d { e { f } } } } } }';
    expect(check(deep, 'user', { documents })).toBeNull();
    expect(check(deep, 'partner', { documents })?.extensions.limit).toBe('maxDepth');
    expect(check(deep, 'script', { documents })).toBeNull();
  });

  it('lets introspection go as deep as the standard introspection query, and no deeper', () => {
    expect(check(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }), 'user')).toBeNull();
    const deeper = `{ __schema { types { ${'ofType { '.repeat(STANDARD_INTROSPECTION_DEPTH)}name${' }'.repeat(STANDARD_INTROSPECTION_DEPTH)} } } }`;
    const error = check(deeper, 'user');
    expect(error?.extensions).toMatchObject({ limit: 'maxDepth', maximum: STANDARD_INTROSPECTION_DEPTH });
    expect(error?.message).toContain('(introspection)');
  });

  it('refuses a list variable longer than maxListLength, saying where it is', () => {
    const query = 'query ($uids: [ID!]!) { a(uids: $uids) }';
    expect(check(query, 'partner', { variables: { uids: ['1', '2', '3', '4', '5'] } })).toBeNull();
    const error = check(query, 'partner', { variables: { uids: ['1', '2', '3', '4', '5', '6'] } });
    expect(error?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxListLength', value: 6, maximum: 5 });
    expect(error?.message).toBe('Operation exceeds maxListLength for partner clients: 6 > 5 (variable $uids)');
  });

  it('refuses more list items than maxListItems in all inputs together, however they are split', () => {
    const query = 'query ($a: [ID!]!, $b: [ID!]!) { x(ids: $a) y(ids: $b, more: ["1"]) }';
    expect(check(query, 'partner', { variables: { a: ['1', '2', '3'], b: ['4', '5', '6', '7'] } })).toBeNull();
    expect(check(query, 'partner', { variables: { a: ['1', '2', '3', '4'], b: ['5', '6', '7', '8'] } })?.extensions).toMatchObject({ limit: 'maxListItems', value: 9, maximum: 8 });
  });

  it('accepts an operation within every limit', () => {
    expect(check('{ a { b } }', 'partner')).toBeNull();
  });
});

describe('in the pipeline', () => {
  const schema = servedSchema('type Query { a: A }\ntype A { b: A name: String }');

  it('refuses an operation over a limit with 400 before validation reads it', async () => {
    const { run } = testPipeline({ schema, plugins: [usePrincipal(principal({ kind: 'partner' })), useOperationLimits(limits)] });
    // Too deep, and full of fields the schema does not have: the limit answers, validation never ran.
    const answer = await run({ query: '{ a { b { b { b { b { b { unknown } } } } } } }' });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxDepth', value: 7, maximum: 5 } })] });
  });

  it('runs an operation within the limits', async () => {
    const { run } = testPipeline({ schema, rootValue: { a: { name: 'n' } }, plugins: [usePrincipal(principal({ kind: 'partner' })), useOperationLimits(limits)] });
    expect(await run({ query: '{ a { name } }' })).toMatchObject({ status: 200, body: { data: { a: { name: 'n' } } } });
  });
});
