import { GraphQLError } from 'graphql';
import { refusal } from '../pipeline/errors';
import { OperationRequest } from '../pipeline/request';
import { gatewayRequest, preparedOperation, principal, servedSchema } from '../pipeline/test-fixtures';
import { GatewayMetrics } from './gateway-metrics';
import { useMetrics } from '.';

const schema = servedSchema('type Query { a: Int }');

async function series(metrics: GatewayMetrics, name: 'requests' | 'rejections'): Promise<Array<{ labels: Record<string, string | number | undefined>; value: number }>> {
  return (await metrics[name].get()).values.map((value) => ({ labels: value.labels, value: value.value }));
}

describe('useMetrics', () => {
  it('counts each operation by name, client kind and outcome, and times it', async () => {
    const metrics = new GatewayMetrics();
    const plugin = useMetrics(metrics);
    plugin.onResult!(preparedOperation('query Board { a }', { schema, principal: principal({ kind: 'script' }) }), { data: { a: 1 } });
    plugin.onResult!(preparedOperation('query Board { a }', { schema, principal: principal({ kind: 'script' }) }), { data: { a: null }, errors: [new GraphQLError('x')] });
    plugin.onResult!(preparedOperation('{ a }', { schema }), { data: null, errors: [new GraphQLError('x')] });
    expect(await series(metrics, 'requests')).toEqual([
      { labels: { operation: 'Board', client_kind: 'script', outcome: 'success' }, value: 1 },
      { labels: { operation: 'Board', client_kind: 'script', outcome: 'partial' }, value: 1 },
      { labels: { operation: 'anonymous', client_kind: 'user', outcome: 'error' }, value: 1 },
    ]);
    const counts = (await metrics.requestDuration.get()).values.filter((value) => value.metricName?.endsWith('_count') && value.labels.operation === 'Board');
    expect(counts.map((value) => [value.labels.outcome, value.value])).toEqual([
      ['success', 1],
      ['partial', 1],
    ]);
  });

  it('counts refusals by reason: the limit a refusal names, else its code', async () => {
    const metrics = new GatewayMetrics();
    const plugin = useMetrics(metrics);
    const operation = preparedOperation('{ a }', { schema });
    plugin.onResult!(operation, { errors: [refusal('too deep', 'OPERATION_LIMIT_EXCEEDED', { status: 400 }, { limit: 'maxDepth' })], status: 400 });
    plugin.onResult!(operation, { errors: [refusal('slow down', 'RATE_LIMITED', { status: 429 }, { limit: 'requests' })], status: 429 });
    plugin.onResult!(operation, { errors: [refusal('not listed', 'PERSISTED_QUERY_NOT_IN_LIST', { status: 404 })], status: 404 });
    plugin.onResult!(operation, { errors: [refusal('nope', 'SOMETHING_NEW', { status: 400 })], status: 400 });
    // Refused before anyone was authenticated: a rejection, and no request series with an unknown kind.
    plugin.onResult!(new OperationRequest(gatewayRequest(undefined), {}), { errors: [refusal('no token', 'UNAUTHENTICATED', { status: 401 })], status: 401 });
    expect((await series(metrics, 'rejections')).map(({ labels, value }) => [labels.reason, value])).toEqual([
      ['maxDepth', 1],
      ['rate_limit', 1],
      ['persisted_operations', 1],
      ['something_new', 1],
      ['unauthenticated', 1],
    ]);
    expect(await series(metrics, 'requests')).toEqual([{ labels: { operation: 'anonymous', client_kind: 'user', outcome: 'rejected' }, value: 4 }]);
  });
});
