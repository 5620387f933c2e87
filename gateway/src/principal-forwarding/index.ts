import { PRINCIPAL_HEADER, PRINCIPAL_TTL_SECONDS, signPrincipal, type Principal } from '../../../lib/principal';
import type { GatewayPlugin } from '../pipeline/plugin';

/** A signed header is sent while at least half of its life is left: far longer than any fetch's deadline. */
const REUSE_MS = (PRINCIPAL_TTL_SECONDS * 1000) / 2;

/**
 * Tells every subgraph who asks: each fetch carries the verified principal (subject, tenant, kind, scopes),
 * signed with the secret the gateway shares with the subgraphs, and the request id. A subgraph refuses any
 * request without a valid signature and takes the tenant from this header only, so calling a subgraph directly
 * bypasses nothing. A header is signed once per principal (authentication hands every request with the same
 * token the same frozen principal) and sent for half its life, so a session's requests share one signature.
 */
export function usePrincipalForwarding(principalSecret: Buffer, now: () => number = Date.now): GatewayPlugin {
  const signed = new WeakMap<Principal, { header: string; signedAt: number }>();
  const headerFor = (principal: Principal): string => {
    const time = now();
    let entry = signed.get(principal);
    if (!entry || time - entry.signedAt >= REUSE_MS || time < entry.signedAt) {
      entry = { header: signPrincipal(principal, principalSecret, time), signedAt: time };
      signed.set(principal, entry);
    }
    return entry.header;
  };
  return {
    name: 'principal-forwarding',
    fetch(fetch, next) {
      const { operation } = fetch;
      fetch.headers[PRINCIPAL_HEADER] = headerFor(operation.principal);
      fetch.headers['x-request-id'] = operation.request.id;
      return next(fetch);
    },
  };
}
