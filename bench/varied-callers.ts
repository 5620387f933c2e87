import { demoTenantSizes, demoUid } from '../demo-data';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import type { Principal } from '../lib/principal';
import { BENCH_PRINCIPAL_HEADER, encodeBenchPrincipal } from './principal-data-source';
import { directHeaders } from './targets';
import { seededFor, type VariedWorkload } from './varied-workloads';

/** Callers per workload: analysts of both tenants, each a user of the demo data with a scope set of their own. */
export const CALLERS_PER_WORKLOAD = 200;

/** Every scope a caller may hold; each caller holds its workload's required ones and, by a coin toss each, the others. */
const SCOPES = ['identity:read', 'pii:read', 'assets:read', 'vulnerabilities:read', 'incidents:read', 'incidents:write'];

/** The browser application the callers' tokens were issued to. */
export const CLIENT_ID = 'palisade-console';


/** A caller and the same principal in the three forms the targets take it. */
export interface Caller {
  principal: Principal;
  /** For A and E: a signed JWT they verify. */
  gatewayHeaders: Record<string, string>;
  /** For B, C and D, which verify nothing: the principal in a plain header, which they sign for the subgraphs. */
  peerHeaders: Record<string, string>;
  /** For requests straight to a subgraph: the signed principal header the gateways would send. */
  directHeaders: Record<string, string>;
}

/**
 * The workload's callers, drawn from the seed: tenants in proportion to their users, any user of the tenant
 * as the subject, the scope set as described at SCOPES.
 */
export async function makeCallers(workload: VariedWorkload, scale: number, seed: number, keyDirectory: string, principalSecret: string): Promise<Caller[]> {
  const random = seededFor(seed, `callers/${workload.key}`);
  const tenants = demoTenantSizes(scale);
  const callers: Caller[] = [];
  for (let i = 0; i < CALLERS_PER_WORKLOAD; i++) {
    const size = random.pickWeighted(tenants.map((t) => [t, t.users] as const));
    const principal: Principal = {
      sub: demoUid('usr', size.tenant, random.int(1, size.users)),
      tenant: size.tenant,
      kind: 'user',
      scopes: SCOPES.filter((scope) => workload.requiredScopes.includes(scope) || random.chance(0.5)),
      clientId: CLIENT_ID,
    };
    const token = await signDevelopmentToken({ directory: keyDirectory, ...principal, expiresIn: '24h' });
    callers.push({
      principal,
      gatewayHeaders: { authorization: `Bearer ${token}` },
      peerHeaders: { [BENCH_PRINCIPAL_HEADER]: encodeBenchPrincipal(principal) },
      directHeaders: directHeaders(principalSecret, principal),
    });
  }
  return callers;
}
