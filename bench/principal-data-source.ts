import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../lib/principal';

/** The caller every benchmark request runs as: a script of tenant acme with every read scope. */
export const BENCH_PRINCIPAL: Principal = {
  sub: 'bench-script',
  tenant: 'acme',
  kind: 'script',
  scopes: ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'],
  clientId: 'bench',
};

/**
 * The least a gateway in front of Palisade's subgraphs must do: send a signed principal header with every
 * fetch, or the subgraphs answer 401. Signed per fetch, as Palisade does, so the cost is the same.
 */
export class FixedPrincipalDataSource extends RemoteGraphQLDataSource {
  constructor(
    url: string,
    private readonly principalSecret: Buffer,
  ) {
    super({ url });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions): void {
    options.request.http?.headers.set(PRINCIPAL_HEADER, signPrincipal(BENCH_PRINCIPAL, this.principalSecret));
  }
}
