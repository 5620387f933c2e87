import { GatewayMetrics } from './gateway-metrics';

describe('gateway metrics', () => {
  it('keeps operation name labels bounded: past the cap, new names become "other"', async () => {
    const metrics = new GatewayMetrics(3);
    for (let i = 0; i < 50; i++) metrics.requests.inc({ operation: metrics.operationLabel(`Op${i}`), client_kind: 'user', outcome: 'success' });
    const series = (await metrics.requests.get()).values.map((v) => v.labels.operation);
    expect(new Set(series)).toEqual(new Set(['Op0', 'Op1', 'Op2', 'other']));
  });

  it('a name seen before the cap keeps its own series, and a persisted operation always gets one', () => {
    const metrics = new GatewayMetrics(1);
    expect(metrics.operationLabel('Board')).toBe('Board');
    expect(metrics.operationLabel('Random')).toBe('other');
    expect(metrics.operationLabel('Board')).toBe('Board');
    expect(metrics.operationLabel('PartnerIncidents', true)).toBe('PartnerIncidents');
    expect(metrics.operationLabel(undefined)).toBe('anonymous');
  });

  it('renders the Prometheus text format', async () => {
    const metrics = new GatewayMetrics();
    metrics.rejections.inc({ reason: 'maxDepth' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('palisade_gateway_rejections_total{reason="maxDepth"} 1');
    expect(text).toContain('# TYPE palisade_gateway_request_duration_seconds histogram');
  });
});
