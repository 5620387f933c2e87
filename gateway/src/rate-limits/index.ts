import { OperationTypeNode } from 'graphql';
import { callerOf } from '../../../lib/principal';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { GatewayRequest } from '../pipeline/request';
import { Admission } from './admission';
import type { RateLimitsConfig } from './config';
import { RATE_LIMITED, type RateLimiter } from './rate-limiter';

/**
 * Rate limits, all of them: each caller's request budget (charged before any document work) and cost budget
 * (charged with the operation's estimate, once cost has made it), with the IETF RateLimit headers on every
 * answer; and the work in flight, so that no tenant can take the graph from another: requests per tenant and
 * per caller as they arrive, then the estimated cost per tenant of what executes.
 */
export function useRateLimits(config: RateLimitsConfig, limiter: RateLimiter): GatewayPlugin {
  const admission = new Admission(config.admission);
  const costBound = config.costInFlightPerTenant;
  const costAdmission = new Admission({ ...config.admission, perCaller: costBound, perTenant: costBound });
  const releases = new WeakMap<GatewayRequest, Array<() => void>>();
  const hold = (request: GatewayRequest, release: () => void) => {
    const held = releases.get(request);
    if (held) held.push(release);
    else releases.set(request, [release]);
  };
  const releaseAll = (request: GatewayRequest) => {
    for (const release of releases.get(request) ?? []) release();
    releases.delete(request);
  };
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
      hold(request, admitted.release);
      // A request whose execution joins an identical one in flight waits for it without working: its turns go to
      // the next requests, so only executions count against the bounds. Not in a batch, whose other operations work.
      if (request.batchSize === 1) request.whenSharing(() => releaseAll(request));
    },
    onRequestEnd: releaseAll,
    async onOperation(operation) {
      if (operation.cost === undefined) return;
      const { principal, cost } = operation;
      const { error } = await limiter.chargeCost(principal, cost);
      if (error) throw error;
      // A subscription executes nothing now; each of its events is a small query of its own.
      if (operation.kind === OperationTypeNode.SUBSCRIPTION) return;
      const admitted = await costAdmission.admit(principal.tenant, callerOf(principal), cost);
      if (!admitted.admitted) {
        throw refusal(
          `Too much work in flight for your tenant (estimated cost ${Math.min(cost, costBound)} beside others, at most ${costBound} at once, each waiting at most ${config.admission.maxWaitMs} ms); retry after 1 s`,
          RATE_LIMITED,
          { status: 429, headers: { 'retry-after': '1' } },
          { limit: 'costInFlightPerTenant', maximum: costBound, cost, retryAfterSeconds: 1 },
        );
      }
      hold(operation.request, admitted.release);
    },
  };
}
