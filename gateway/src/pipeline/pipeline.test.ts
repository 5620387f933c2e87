import { refusal } from './errors';
import type { GatewayPlugin } from './plugin';
import type { OperationResult } from './request';
import { principal, recordingLogger, servedSchema, testPipeline, usePrincipal } from './test-fixtures';

const schema = servedSchema('type Query { hello(name: String!): String boom: String } type Mutation { write: Boolean }');
const rootValue = {
  hello: ({ name }: { name: string }) => `hello ${name}`,
  write: () => true,
  boom: () => {
    throw new Error('database password is hunter2');
  },
};

/** Records every hook call, in order, with what it saw. */
function recorder() {
  const calls: string[] = [];
  const results: OperationResult[] = [];
  const plugin: GatewayPlugin = {
    name: 'recorder',
    onRequest: (request) => void calls.push(`onRequest ${request.batchSize}`),
    onParams: (operation) => void calls.push(`onParams ${operation.params.query ?? ''}`),
    onDocument: (operation) => void calls.push(`onDocument ${operation.operationName ?? ''}`),
    onOperation: (operation) => void calls.push(`onOperation ${JSON.stringify(operation.variables)}`),
    execute: (_operation, executable, next) => (calls.push('execute'), next(executable)),
    onResult: (_operation, result) => void (calls.push(`onResult ${result.status ?? 200}`), results.push(result)),
    onRequestEnd: () => void calls.push('onRequestEnd'),
  };
  return { plugin, calls, results };
}

describe('the request pipeline', () => {
  it("runs each behaviour's hooks in the request's order, and answers 200 with the data", async () => {
    const { plugin, calls } = recorder();
    const { run } = testPipeline({ schema, rootValue, plugins: [usePrincipal(principal()), plugin] });
    const answer = await run({ query: 'query Hi($n: String!) { hello(name: $n) }', variables: { n: 'ada' } });
    expect(answer).toEqual({ status: 200, headers: {}, body: { data: { hello: 'hello ada' } }, validationFailed: false });
    expect(calls).toEqual(['onRequest 1', 'onParams query Hi($n: String!) { hello(name: $n) }', 'onDocument Hi', 'onOperation {"n":"ada"}', 'execute', 'onResult 200', 'onRequestEnd']);
  });

  it('refuses a request refused by a behaviour as a whole, still reporting the result and ending the request', async () => {
    const { plugin, calls } = recorder();
    const refuse: GatewayPlugin = {
      name: 'refuse',
      onRequest: () => {
        throw refusal('Slow down', 'RATE_LIMITED', { status: 429, headers: { 'retry-after': '3' } });
      },
    };
    const { run } = testPipeline({ schema, rootValue, plugins: [usePrincipal(principal()), refuse, plugin] });
    const answer = await run({ query: '{ hello(name: "a") }' });
    expect(answer).toMatchObject({ status: 429, headers: { 'retry-after': '3' }, body: { errors: [{ message: 'Slow down', extensions: { code: 'RATE_LIMITED' } }] } });
    expect(calls).toEqual(['onResult 429', 'onRequestEnd']);
  });

  it('answers a syntax error 400 before any document hook', async () => {
    const { plugin, calls } = recorder();
    const { run } = testPipeline({ schema, plugins: [usePrincipal(principal()), plugin] });
    const answer = await run({ query: '{ hello(' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    expect(calls).not.toContain('onDocument ');
  });

  it('answers a validation error 400, marked so that HTTP can answer 422 to a client that accepts it', async () => {
    const { run } = testPipeline({ schema, plugins: [usePrincipal(principal())] });
    const answer = await run({ query: '{ goodbye }' });
    expect(answer).toMatchObject({ status: 400, validationFailed: true, body: { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } });
  });

  it('refuses variables that do not fit their definitions with BAD_USER_INPUT, before the last checks', async () => {
    const { plugin, calls } = recorder();
    const { run } = testPipeline({ schema, plugins: [usePrincipal(principal()), plugin] });
    const answer = await run({ query: 'query ($n: String!) { hello(name: $n) }', variables: { n: 42 } });
    expect(answer).toMatchObject({ status: 400, validationFailed: false, body: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    expect(calls.some((call) => call.startsWith('onOperation'))).toBe(false);
  });

  it('refuses a mutation sent with GET with 405 and Allow: POST', async () => {
    const { run } = testPipeline({ schema, rootValue, plugins: [usePrincipal(principal())] });
    const answer = await run({ query: 'mutation { write }' }, { method: 'GET' });
    expect(answer).toMatchObject({ status: 405, headers: { allow: 'POST' }, body: { errors: [{ extensions: { code: 'METHOD_NOT_ALLOWED' } }] } });
    expect((await run({ query: 'mutation { write }' })).body).toEqual({ data: { write: true } });
  });

  it('asks for a query when there is none, and for an operation name when the document holds several', async () => {
    const { run } = testPipeline({ schema, rootValue, plugins: [usePrincipal(principal())] });
    expect(await run({ variables: {} })).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BAD_REQUEST' } }] } });
    const two = 'query A { hello(name: "a") } query B { hello(name: "b") }';
    expect(await run({ query: two })).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] } });
    expect(await run({ query: two, operationName: 'C' })).toMatchObject({ status: 400, body: { errors: [{ message: 'Unknown operation named "C"' }] } });
    expect((await run({ query: two, operationName: 'B' })).body).toEqual({ data: { hello: 'hello b' } });
  });

  it('runs an array batch only when batching is on, within its limit, each operation on its own', async () => {
    const { plugin, calls } = recorder();
    const off = testPipeline({ schema, rootValue, plugins: [usePrincipal(principal())] });
    expect(await off.run([{ query: '{ hello(name: "a") }' }])).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BATCHING_NOT_ALLOWED' } }] } });
    const on = testPipeline({ schema, rootValue, batchMaxOperations: 2, plugins: [usePrincipal(principal()), plugin] });
    const answer = await on.run([{ query: '{ hello(name: "a") }' }, { query: '{ nope }' }]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([{ data: { hello: 'hello a' } }, { errors: [expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })] }]);
    expect(calls.filter((call) => call.startsWith('onResult')).sort()).toEqual(['onResult 200', 'onResult 400']);
    expect(await on.run([{ query: '{ a }' }, { query: '{ b }' }, { query: '{ c }' }])).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BATCH_LIMIT_EXCEEDED', maximum: 2 } }] } });
  });

  it('masks an internal error with the request id, logs its cause, and keeps the rest of the data', async () => {
    const { logger, lines } = recordingLogger();
    const { run } = testPipeline({ schema, rootValue, logger, plugins: [usePrincipal(principal())] });
    const answer = await run({ query: '{ hello(name: "a") boom }' }, { id: 'req-77' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: { hello: 'hello a', boom: null },
      errors: [{ message: 'Internal server error', locations: [{ line: 1, column: 20 }], path: ['boom'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-77' } }],
    });
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'internal error in the gateway', requestId: 'req-77' }));
  });

  it('hides suggestions when configured to (production)', async () => {
    const { run } = testPipeline({ schema, hideSuggestions: true, plugins: [usePrincipal(principal())] });
    expect((await run({ query: '{ helo(name: "a") }' })).body).toMatchObject({ errors: [{ message: 'Cannot query field "helo" on type "Query".' }] });
  });

  it('keeps reporting results when a behaviour fails to record one', async () => {
    const { logger, lines } = recordingLogger();
    const { plugin, results } = recorder();
    const broken: GatewayPlugin = {
      name: 'broken-metrics',
      onResult: () => {
        throw new Error('metrics down');
      },
    };
    const { run } = testPipeline({ schema, rootValue, logger, plugins: [usePrincipal(principal()), broken, plugin] });
    expect((await run({ query: '{ hello(name: "a") }' })).status).toBe(200);
    expect(results).toHaveLength(1);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'a behaviour failed to record a result', plugin: 'broken-metrics' }));
  });
});
