import type { Principal } from '../../../lib/principal';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { GatewayRequest } from '../pipeline/request';
import { Admission } from './admission';
import type { RateLimitsConfig } from './config';
import { RATE_LIMITED, type RateLimiter } from './rate-limiter';

/**
 * Rate limits, all of them: each caller's request budget (charged before any document work) and cost budget
 * (charged with the operation's estimate, once cost has made it), with the IETF RateLimit headers on every
 * answer; and the work in flight per tenant and per caller, so that no tenant can take the graph from another.
 */
export function useRateLimits(config: RateLimitsConfig, limiter: RateLimiter): GatewayPlugin {
  const admission = new Admission(config.admission);
  const releases = new WeakMap<GatewayRequest, () => void>();
  return {
    name: 'rate-limits',
    async onRequest(request) {
      const principal = request.caller;
      const { error, headers } = await limiter.chargeRequest(principal);
      for (const [name, value] of Object.entries(headers)) request.responseHeaders.set(name, value);
      if (error) throw error;
      const admitted = await admission.admit(principal.tenant, callerOf(principal));
      if (!admitted.admitted) {
        const bound = admitted.reason === 'perCaller' ? config.admission.perCaller : config.admission.perTenant;
        const who = admitted.reason === 'perCaller' ? 'this client' : 'your tenant';
        throw refusal(
          `Too many requests in flight for ${who} (at most ${bound} at once, each waiting at most ${config.admission.maxWaitMs} ms); retry after 1 s`,
          RATE_LIMITED,
          { status: 429, headers: { 'retry-after': '1' } },
          { limit: admitted.reason === 'perCaller' ? 'inFlightPerCaller' : 'inFlightPerTenant', maximum: bound, retryAfterSeconds: 1 },
        );
      }
      releases.set(request, admitted.release);
    },
    onRequestEnd(request) {
      releases.get(request)?.();
    },
    async onOperation(operation) {
      if (operation.cost === undefined) return;
      const { error } = await limiter.chargeCost(operation.principal, operation.cost);
      if (error) throw error;
    },
  };
}

/** The caller a budget belongs to: a tenant's client, or its subject when the token names no client. */
function callerOf(principal: Principal): string {
  return principal.clientId ?? principal.sub;
}
