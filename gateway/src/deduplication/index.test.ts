import { OperationTypeNode } from 'graphql';
import type { Principal } from '../../../lib/principal';
import type { ExecutionOutcome, SubgraphFetch, SubgraphResponse } from '../pipeline/plugin';
import { preparedOperation, principal, servedSchema } from '../pipeline/test-fixtures';
import { useDeduplication, type DeduplicationStage } from '.';

const schema = servedSchema('type Query { incidents(first: Int): [String] } type Mutation { close(uid: ID!): String }');
const QUERY = 'query Board($first: Int) { incidents(first: $first) }';
const MUTATION = 'mutation { close(uid: "i-1") }';

/** A promise and the function that settles it. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  return { promise: new Promise<T>((res) => (resolve = res)), resolve };
}

function deduplication() {
  const joins: DeduplicationStage[] = [];
  return { plugin: useDeduplication((stage) => joins.push(stage)), joins };
}

describe('identical operations in flight', () => {
  /** Starts an execution through the hook; the execution it would run waits for `finish`. */
  function start(plugin: ReturnType<typeof useDeduplication>, query: string, who: Principal, variables: Record<string, unknown> = {}) {
    const operation = preparedOperation(query, { schema, principal: who, variables });
    const executions: Array<ReturnType<typeof deferred<ExecutionOutcome>>> = [];
    const result = plugin.execute!(operation, { document: operation.document!, operation: operation.operation!, queryHash: operation.queryHash! }, () => {
      const execution = deferred<ExecutionOutcome>();
      executions.push(execution);
      return execution.promise;
    });
    return { result, executions };
  }

  it('execute once for one principal, and each caller gets its own result', async () => {
    const { plugin, joins } = deduplication();
    const first = start(plugin, QUERY, principal(), { first: 5 });
    const second = start(plugin, QUERY, principal(), { first: 5 });
    expect([first.executions.length, second.executions.length]).toEqual([1, 0]);
    first.executions[0].resolve({ data: { incidents: ['i-1'] }, errors: [] });
    const [a, b] = await Promise.all([first.result, second.result]);
    expect(a).toEqual({ data: { incidents: ['i-1'] }, errors: [] });
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(b.errors).not.toBe(a.errors);
    expect(joins).toEqual(['operation']);
  });

  it.each<[string, Principal, Record<string, unknown>]>([
    ['another tenant', principal({ tenant: 'globex' }), { first: 5 }],
    ['other scopes', principal({ scopes: ['pii:read'] }), { first: 5 }],
    ['another kind of client', principal({ kind: 'partner' }), { first: 5 }],
    ['other variables', principal(), { first: 6 }],
  ])('are not shared with %s', async (_what, other, variables) => {
    const { plugin, joins } = deduplication();
    const first = start(plugin, QUERY, principal(), { first: 5 });
    const second = start(plugin, QUERY, other, variables);
    expect([first.executions.length, second.executions.length]).toEqual([1, 1]);
    expect(joins).toEqual([]);
  });

  it('never share a mutation, and a query that starts after a mutation started does not join one from before', async () => {
    const { plugin, joins } = deduplication();
    const before = start(plugin, QUERY, principal());
    const mutations = [start(plugin, MUTATION, principal()), start(plugin, MUTATION, principal())];
    expect(mutations.map((mutation) => mutation.executions.length)).toEqual([1, 1]);
    const after = start(plugin, QUERY, principal());
    expect(after.executions).toHaveLength(1);
    expect(before.executions).toHaveLength(1);
    expect(joins).toEqual([]);
  });

  it('do not join an execution planned before a new supergraph', () => {
    const { plugin } = deduplication();
    start(plugin, QUERY, principal());
    plugin.onSchema!(schema);
    expect(start(plugin, QUERY, principal()).executions).toHaveLength(1);
  });
});

describe('identical subgraph fetches in flight', () => {
  function fetchOf(overrides: Partial<SubgraphFetch> & { who?: Principal } = {}): SubgraphFetch {
    const { who, ...rest } = overrides;
    return {
      subgraph: 'incidents',
      url: 'http://incidents/graphql',
      operationKind: OperationTypeNode.QUERY,
      query: 'query Board__incidents__0 { incidents }',
      operationName: 'Board__incidents__0',
      variables: {},
      headers: {},
      operation: preparedOperation(QUERY, { schema, principal: who ?? principal() }),
      ...rest,
    };
  }

  /** Sends a fetch through the hook; the HTTP call it would make waits for `answer`. */
  function send(plugin: ReturnType<typeof useDeduplication>, fetch: SubgraphFetch) {
    const calls: Array<ReturnType<typeof deferred<SubgraphResponse>>> = [];
    const result = plugin.fetch!(fetch, () => {
      const call = deferred<SubgraphResponse>();
      calls.push(call);
      return call.promise;
    });
    return { result, calls };
  }

  it('are sent once for one principal, each sharer getting its own copy of the body', async () => {
    const { plugin, joins } = deduplication();
    const first = send(plugin, fetchOf());
    const second = send(plugin, fetchOf());
    expect([first.calls.length, second.calls.length]).toEqual([1, 0]);
    first.calls[0].resolve({ data: { incidents: [{ uid: 'i-1' }] } });
    const [a, b] = await Promise.all([first.result, second.result]);
    expect(b).toEqual(a);
    expect((b.data as { incidents: unknown[] }).incidents).not.toBe((a.data as { incidents: unknown[] }).incidents);
    expect(joins).toEqual(['subgraph_fetch']);
  });

  it.each<[string, Partial<SubgraphFetch> & { who?: Principal }]>([
    ['another subgraph', { subgraph: 'assets' }],
    ['another principal', { who: principal({ tenant: 'globex' }) }],
    ['other variables', { variables: { representations: [{ __typename: 'Incident', uid: 'i-2' }] } }],
    ['a mutation', { operationKind: OperationTypeNode.MUTATION }],
  ])('are not shared with %s', (_what, overrides) => {
    const { plugin } = deduplication();
    const first = send(plugin, fetchOf(overrides));
    const second = send(plugin, fetchOf(overrides.operationKind ? overrides : {}));
    expect([first.calls.length, second.calls.length]).toEqual([1, 1]);
  });
});
