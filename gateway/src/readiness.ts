import type { Readiness } from '../../lib/http-server';

const PROBE_TIMEOUT_MS = 2000;

/**
 * The gateway is ready while it serves its loaded supergraph (not once it is stopping) and every subgraph
 * answers its /healthz, which sits beside its GraphQL endpoint (http://host:4001/graphql -> /healthz).
 */
export async function checkReadiness(serving: boolean, subgraphUrls: Record<string, string>): Promise<Readiness> {
  const checks: Record<string, string> = { supergraph: serving ? 'ok' : 'stopped' };
  await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]) => {
      checks[name] = await probe(new URL('healthz', url));
    }),
  );
  return { ready: Object.values(checks).every((state) => state === 'ok'), checks };
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
