import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';

/** The caller every benchmark request runs as unless it names another: a script of tenant acme with every read scope. */
export const BENCH_PRINCIPAL: Principal = {
  sub: 'bench-script',
  tenant: 'acme',
  kind: 'script',
  scopes: ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'],
  clientId: 'bench',
};

/**
 * Where the varied workload names each request's principal for B, C and D, which verify no tokens (A verifies
 * the same principal in a signed token): base64url JSON, unsigned.
 */
export const BENCH_PRINCIPAL_HEADER = 'x-bench-principal';

export function encodeBenchPrincipal(principal: Principal): string {
  return Buffer.from(JSON.stringify(principal), 'utf8').toString('base64url');
}

/** The principal a request names in BENCH_PRINCIPAL_HEADER, or BENCH_PRINCIPAL when it names none. */
export function benchPrincipalOf(header: string | string[] | null | undefined): Principal {
  return typeof header === 'string' ? (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Principal) : BENCH_PRINCIPAL;
}

/** What B's data sources read from the request's context. */
export interface BenchContext {
  principal: Principal;
}

/**
 * The least a gateway in front of Palisade's subgraphs must do: send a signed principal header with every
 * fetch, or the subgraphs answer 401. Signed per fetch, as Palisade does, so the cost is the same.
 */
export class BenchPrincipalDataSource extends RemoteGraphQLDataSource<BenchContext> {
  constructor(
    url: string,
    private readonly principalSecret: Buffer,
  ) {
    super({ url });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<BenchContext>): void {
    // Health checks and schema loading carry no request's context.
    const principal = (options.context as Partial<BenchContext>).principal ?? BENCH_PRINCIPAL;
    options.request.http?.headers.set(PRINCIPAL_HEADER, signPrincipal(principal, this.principalSecret));
  }
}
