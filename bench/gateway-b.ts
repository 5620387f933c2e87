// Gateway B: stock @apollo/gateway and @apollo/server (standalone) with their defaults and no security of
// their own, plus the signed principal header without which the subgraphs answer 401 (the principal the request
// names in x-bench-principal, or the fixed one).
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { BENCH_PRINCIPAL_HEADER, BenchPrincipalDataSource, benchPrincipalOf, type BenchContext } from './principal-data-source';
import { announcePort, failChild, requiredEnv } from './serve-child';

async function main(): Promise<void> {
  // Before the gateway exists: otherwise it reports usage to Apollo and probes cloud metadata addresses.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const principalSecret = Buffer.from(requiredEnv('PRINCIPAL_SECRET'), 'utf8');
  const gateway = new ApolloGateway({
    // The supergraph with `for: SECURITY` removed (which stock @apollo/gateway refuses) and the subgraphs' URLs.
    supergraphSdl: readFileSync(requiredEnv('BENCH_SUPERGRAPH_PATH'), 'utf8'),
    buildService: ({ url }) => new BenchPrincipalDataSource(url!, principalSecret),
  });
  const server = new ApolloServer<BenchContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ principal: benchPrincipalOf(req.headers[BENCH_PRINCIPAL_HEADER]) }),
  });
  announcePort(Number(new URL(url).port), () => server.stop());
}

main().catch(failChild('gateway B (@apollo/gateway)'));
