import { backoffDelayMs, errorCode, isQueryOperation, isRetryableConnectionError, isRetryableStatus } from '../src/resilience/retry-policy';

describe('backoffDelayMs (full jitter)', () => {
  const options = { baseMs: 50, capMs: 1000 };

  it('stays within [0, min(cap, base * 2^retry)) for every draw', () => {
    for (let retry = 0; retry < 8; retry++) {
      const bound = Math.min(1000, 50 * 2 ** retry);
      for (let i = 0; i < 500; i++) {
        const delay = backoffDelayMs(retry, options);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(bound);
      }
    }
  });

  it('spans the whole range: the lowest and highest draws hit its ends, the middle its middle', () => {
    expect(backoffDelayMs(0, options, () => 0)).toBe(0);
    expect(backoffDelayMs(0, options, () => 0.5)).toBe(25);
    expect(backoffDelayMs(1, options, () => 0.5)).toBe(50);
    expect(backoffDelayMs(2, options, () => 0.999)).toBeCloseTo(199.8);
  });

  it('never exceeds the cap, however many retries', () => {
    expect(backoffDelayMs(30, options, () => 0.999)).toBeCloseTo(999);
  });
});

describe('isQueryOperation', () => {
  const body = (query: string, rest: Record<string, unknown> = { variables: {} }) => JSON.stringify({ query, ...rest });

  it.each([
    ['a named query', 'query Incidents__incidents__0 { incidents { totalCount } }'],
    ['an anonymous query', 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{uid}}}'],
    ['the query shorthand', '{ users { totalCount } }'],
    ['a query after whitespace and a comment', '\n  # planner\n  query { a }'],
    ['a field whose name starts with mutation', 'query { mutationCount subscriptionTier }'],
    ['a string argument with escaped quotes', 'query { search(text: "say \\"hi\\"") { id } }'],
  ])('retries %s', (_name, query) => {
    expect(isQueryOperation(body(query))).toBe(true);
  });

  it.each([
    ['a mutation', body('mutation { updateIncident(uid: "1") { uid } }')],
    ['a named mutation after whitespace', body('  mutation Update { a }')],
    ['a subscription', body('subscription { events }')],
    ['a document with a query and a mutation', body('query A { a } mutation B { b }', { operationName: 'B' })],
    ['a query with a field named mutation (not sure)', body('query { mutation }')],
    ['a query mentioning mutation in a string (not sure)', body('query { search(text: "mutation") }')],
    ['a document opening with a fragment', body('fragment F on User { uid } query { me { ...F } }')],
    ['an APQ request without a query', JSON.stringify({ variables: {}, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } })],
    ['a body with the query after the variables', JSON.stringify({ variables: {}, query: 'query { a }' })],
    ['a truncated body', '{"query":"query { a'],
    ['a body with a broken escape', '{"query":"query \\x { a }"}'],
    ['an empty body', ''],
    ['no body', undefined],
    ['a Buffer body', Buffer.from(body('query { a }'))],
  ])('does not retry %s', (_name, requestBody) => {
    expect(isQueryOperation(requestBody)).toBe(false);
  });

  it('decodes only the query, not the variables that follow it', () => {
    const representations = Array.from({ length: 10_000 }, (_, i) => ({ __typename: 'User', uid: `u-${i}`, note: 'mutation' }));
    expect(isQueryOperation(body('query { _entities { __typename } }', { variables: { representations } }))).toBe(true);
  });
});

describe('what is retried', () => {
  it.each([502, 503, 504])('retries HTTP %i', (status) => expect(isRetryableStatus(status)).toBe(true));
  it.each([200, 400, 401, 403, 404, 429, 500, 501])('does not retry HTTP %i', (status) => expect(isRetryableStatus(status)).toBe(false));

  it('finds the code on the error, on its cause or on the first of an AggregateError', () => {
    expect(errorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe('ECONNRESET');
    expect(errorCode(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('no code'))).toBeUndefined();
    expect(errorCode('not an error')).toBeUndefined();
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])('retries a connection error %s', (code) => {
    expect(isRetryableConnectionError(Object.assign(new Error(code), { code }))).toBe(true);
  });

  it.each(['ENOTFOUND', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_ABORTED'])('does not retry %s', (code) => {
    expect(isRetryableConnectionError(Object.assign(new Error(code), { code }))).toBe(false);
  });
});
