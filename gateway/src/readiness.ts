import type { Readiness } from '../../lib/http-server';

const PROBE_TIMEOUT_MS = 2000;

/**
 * The gateway is ready while it serves its loaded supergraph (not once it is stopping). Each subgraph's
 * state is reported, from its /healthz (beside its GraphQL endpoint) and its circuit breaker, but does not
 * decide readiness: with a subgraph down the gateway still answers with what the others have, and taking
 * every replica out of the load balancer would turn a partial outage into a total one.
 */
export async function checkReadiness(serving: boolean, subgraphUrls: Record<string, string>, breakerState: (name: string) => string): Promise<Readiness> {
  const checks: Record<string, string> = { supergraph: serving ? 'ok' : 'stopped' };
  await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]) => {
      const health = await probe(new URL('healthz', url));
      const breaker = breakerState(name);
      checks[name] = breaker === 'closed' ? health : `${health}; circuit ${breaker}`;
    }),
  );
  return { ready: serving, checks };
}

async function probe(url: URL): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok ? 'ok' : `unhealthy: /healthz answered ${response.status}`;
  } catch (error) {
    // The address stays out of the answer: /readyz is open to anyone who can reach the gateway.
    return error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS} ms` : 'unreachable';
  }
}
