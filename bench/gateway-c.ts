// Gateway C: Hive Gateway's runtime with its defaults, on node:http, plus the signed principal header without
// which the subgraphs answer 401. Nothing reaches the network but the subgraphs: no usage reporting (off
// unless `reporting` is given), no CDN or registry (the supergraph is a local string).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime, type GatewayConfig, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { close } from '../lib/http-server';
import { PRINCIPAL_HEADER, signPrincipal } from '../lib/principal';
import { BENCH_PRINCIPAL_HEADER, benchPrincipalOf } from './principal-data-source';
import { failChild, requiredEnv, serveChild } from './serve-child';

/** Adds the signed principal (the one the request names, or the fixed one) to every subgraph fetch, signed per fetch as A and B do. */
function signedPrincipalPlugin(principalSecret: Buffer): GatewayPlugin {
  return {
    onFetch({ context, options, setOptions }) {
      const principal = benchPrincipalOf('request' in context ? context.request?.headers.get(BENCH_PRINCIPAL_HEADER) : undefined);
      setOptions({ ...options, headers: { ...(options.headers as Record<string, string> | undefined), [PRINCIPAL_HEADER]: signPrincipal(principal, principalSecret) } });
    },
  };
}

/**
 * The runtime loads its HTTP transport from @graphql-mesh/transport-http, which is not installed here (only
 * @graphql-hive/gateway-runtime is). This is what that package's transport does for a subgraph without
 * configured headers or subscriptions: @graphql-tools/executor-http (which the runtime brings) at the
 * subgraph's location, with the runtime's fetch, so plugins' onFetch hooks still run.
 */
const HTTP_TRANSPORT: NonNullable<GatewayConfig['transports']> = {
  http: {
    getSubgraphExecutor: (payload) =>
      buildHTTPExecutor({
        endpoint: payload.transportEntry.location,
        ...payload.transportEntry.options,
        getDisposeReason: payload.getDisposeReason,
        fetch: payload.fetch as never,
      }),
  },
};

async function main(): Promise<void> {
  const principalSecret = Buffer.from(requiredEnv('PRINCIPAL_SECRET'), 'utf8');
  const runtime = createGatewayRuntime({
    supergraph: readFileSync(requiredEnv('BENCH_SUPERGRAPH_PATH'), 'utf8'),
    logging: 'error',
    transports: HTTP_TRANSPORT,
    // Variant D of the benchmark: every request reaches the subgraphs, as with the other gateways.
    ...(process.env.BENCH_HIVE_UPSTREAM_DEDUP === 'off' ? { transportEntries: { '*': { options: { deduplicateInflightRequests: false } } } } : {}),
    plugins: () => [signedPrincipalPlugin(principalSecret)],
  });
  const server = createServer(runtime);
  await serveChild(server, async () => {
    await close(server);
    await runtime.dispose();
  });
}

main().catch(failChild('gateway C (Hive Gateway)'));
