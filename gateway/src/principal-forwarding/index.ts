import { PRINCIPAL_HEADER, signPrincipal } from '../../../lib/principal';
import type { GatewayPlugin } from '../pipeline/plugin';

const SIGNED = Symbol('signed principal header');

/**
 * Tells every subgraph who asks: each fetch carries the verified principal (subject, tenant, kind, scopes),
 * signed with the secret the gateway shares with the subgraphs, and the request id. A subgraph refuses any
 * request without a valid signature and takes the tenant from this header only, so calling a subgraph directly
 * bypasses nothing. Signed once per operation, for all its fetches.
 */
export function usePrincipalForwarding(principalSecret: Buffer): GatewayPlugin {
  return {
    name: 'principal-forwarding',
    fetch(fetch, next) {
      const { operation } = fetch;
      let signed = operation.memo.get(SIGNED) as string | undefined;
      if (signed === undefined) operation.memo.set(SIGNED, (signed = signPrincipal(operation.principal, principalSecret)));
      fetch.headers[PRINCIPAL_HEADER] = signed;
      fetch.headers['x-request-id'] = operation.request.id;
      return next(fetch);
    },
  };
}
