import { GraphQLError } from 'graphql';
import { paramsFromBody, paramsFromSearch, searchCarriesParams } from './graphql-params';

/** The refusal a parse throws: its message, code and HTTP status. */
function refusal(read: () => unknown): { message: string; code: unknown; status: unknown } {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { message, extensions } = error as GraphQLError;
    return { message, code: extensions.code, status: (extensions.http as { status: number }).status };
  }
  throw new Error('the params were accepted');
}

describe('a GET: params from the query string only', () => {
  it('reads every parameter, with variables and extensions as JSON text', () => {
    const search = new URLSearchParams({
      query: 'query Q($n: Int) { a(n: $n) }',
      operationName: 'Q',
      variables: '{"n":3}',
      extensions: '{"persistedQuery":{"version":1,"sha256Hash":"abc"}}',
      documentId: 'sha256:abc',
      doc_id: 'relay-1',
    });
    expect(paramsFromSearch(search)).toEqual({
      query: 'query Q($n: Int) { a(n: $n) }',
      operationName: 'Q',
      variables: { n: 3 },
      extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
      documentId: 'sha256:abc',
      doc_id: 'relay-1',
    });
  });

  it('leaves out what is absent, and takes null variables as none', () => {
    expect(paramsFromSearch(new URLSearchParams({ query: '{ a }' }))).toEqual({ query: '{ a }' });
    expect(paramsFromSearch(new URLSearchParams({ query: '{ a }', variables: 'null' }))).toEqual({ query: '{ a }' });
    expect(paramsFromSearch(new URLSearchParams())).toEqual({});
  });

  it.each(['variables', 'extensions'])('refuses %s that is not JSON with 400, naming it', (name) => {
    expect(refusal(() => paramsFromSearch(new URLSearchParams({ query: '{ a }', [name]: '{n:1' })))).toEqual({
      message: `The ${name} parameter is not valid JSON`,
      code: 'BAD_REQUEST',
      status: 400,
    });
  });

  it.each([
    ['variables', '[1,2]'],
    ['variables', '"text"'],
    ['extensions', '42'],
  ])('refuses %s that is JSON but not an object (%s) with 400, naming it', (name, value) => {
    expect(refusal(() => paramsFromSearch(new URLSearchParams({ query: '{ a }', [name]: value })))).toEqual({
      message: `${name} in the request must be a JSON object`,
      code: 'BAD_REQUEST',
      status: 400,
    });
  });

  it('tells whether a query string carries any GraphQL parameter (a POST must not)', () => {
    for (const name of ['query', 'operationName', 'variables', 'extensions', 'documentId', 'doc_id']) {
      expect(searchCarriesParams(new URLSearchParams({ [name]: '' }))).toBe(true);
    }
    expect(searchCarriesParams(new URLSearchParams({ tenant: 'acme', utm_source: 'mail' }))).toBe(false);
  });
});

describe('a POST: params from the JSON body only', () => {
  it('reads one operation from an object, and keeps only the parameters GraphQL over HTTP defines', () => {
    expect(paramsFromBody({ query: '{ a }', operationName: null, variables: { n: 1 }, extensions: { trace: true }, doc_id: 'relay-1', unknown: 'dropped' })).toEqual({
      query: '{ a }',
      variables: { n: 1 },
      extensions: { trace: true },
      doc_id: 'relay-1',
    });
  });

  it('reads a batch from an array, each operation on its own', () => {
    expect(paramsFromBody([{ query: '{ a }' }, { documentId: 'sha256:abc', variables: { n: 2 } }])).toEqual([
      { query: '{ a }' },
      { documentId: 'sha256:abc', variables: { n: 2 } },
    ]);
  });

  it.each([
    ['query', { query: 42 }, 'query in the request must be a string'],
    ['operationName', { query: '{ a }', operationName: ['Q'] }, 'operationName in the request must be a string'],
    ['documentId', { documentId: { id: 1 } }, 'documentId in the request must be a string'],
    ['doc_id', { doc_id: 7 }, 'doc_id in the request must be a string'],
    ['variables', { query: '{ a }', variables: '{"n":1}' }, 'variables in the request must be a JSON object'],
    ['variables', { query: '{ a }', variables: [1] }, 'variables in the request must be a JSON object'],
    ['extensions', { query: '{ a }', extensions: true }, 'extensions in the request must be a JSON object'],
  ])('refuses a %s of the wrong type with 400, naming the field', (_field, body, message) => {
    expect(refusal(() => paramsFromBody(body))).toEqual({ message, code: 'BAD_REQUEST', status: 400 });
  });

  it('names the operation of a batch whose field has the wrong type', () => {
    expect(refusal(() => paramsFromBody([{ query: '{ a }' }, { query: '{ b }', variables: 'x' }])).message).toBe(
      'variables in operation 1 of the batch must be a JSON object',
    );
    expect(refusal(() => paramsFromBody([{ query: '{ a }' }, 'query { b }'])).message).toBe(
      'Operation 1 of the batch must be a JSON object with a query or a persisted operation id',
    );
  });

  it.each([
    ['a string', '{ a }'],
    ['a number', 42],
    ['null', null],
  ])('refuses a body that is %s with 400', (_what, body) => {
    expect(refusal(() => paramsFromBody(body))).toEqual({
      message: 'The request must be a JSON object with a query or a persisted operation id',
      code: 'BAD_REQUEST',
      status: 400,
    });
  });

  it('refuses an empty batch with 400', () => {
    expect(refusal(() => paramsFromBody([]))).toEqual({ message: 'The batch is empty: send at least one operation', code: 'BAD_REQUEST', status: 400 });
  });
});
