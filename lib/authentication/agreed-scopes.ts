import type { Environment } from '../config';
import type { Principal } from '../principal';

/**
 * Partners never hold write scopes unless their client is listed in PARTNER_WRITE_CLIENTS: a token that
 * claims more than a partner's agreement allows is cut down here, before any authorization decision.
 */
export function withAgreedScopes(principal: Principal, partnerWriteClients: ReadonlySet<string>): Principal {
  if (principal.kind !== 'partner' || (principal.clientId !== undefined && partnerWriteClients.has(principal.clientId))) return principal;
  const scopes = principal.scopes.filter((scope) => !scope.endsWith(':write'));
  return scopes.length === principal.scopes.length ? principal : { ...principal, scopes };
}

export function readPartnerWriteClients(env: Environment): Set<string> {
  return new Set((env.PARTNER_WRITE_CLIENTS ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''));
}
