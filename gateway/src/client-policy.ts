import { ConfigError } from '../../lib/errors';
import type { Environment } from '../../lib/config';
import type { Principal } from '../../lib/principal';
import type { OperationLimits } from './limits/operation-limits';
import type { RateLimitBudget } from './rate-limit/rate-limiter';

export type ClientKind = Principal['kind'];
export const CLIENT_KINDS: readonly ClientKind[] = ['user', 'script', 'partner'];

/** What one kind of client may send: the shape of an operation, its static cost, and its budgets. */
export interface ClientPolicy {
  limits: OperationLimits;
  /** The most an operation may cost (static estimate from @cost and @listSize). */
  maxCost: number;
  rateLimit: RateLimitBudget;
}

/**
 * Defaults per client kind. The demo's IncidentBoard (50 incidents with assignees, groups and assets) costs
 * about 1,900 and 100 incidents with their timelines' actors and groups about 17,000. Partners get the tightest bounds: they run only agreed operations, and the
 * bounds are there for the day a manifest lists a heavy one. Override any value with CLIENT_POLICIES, e.g.
 * {"partner": {"maxCost": 8000, "rateLimit": {"requests": 300}}}.
 */
export const DEFAULT_CLIENT_POLICIES: Readonly<Record<ClientKind, ClientPolicy>> = {
  user: {
    limits: { maxBytes: 20_000, maxTokens: 2_000, maxDepth: 12, maxAliases: 30, maxRootFields: 10, maxDirectives: 20, maxFields: 1_500 },
    maxCost: 10_000,
    rateLimit: { requests: 600, cost: 1_000_000, windowMs: 60_000 },
  },
  script: {
    limits: { maxBytes: 20_000, maxTokens: 2_000, maxDepth: 12, maxAliases: 30, maxRootFields: 10, maxDirectives: 20, maxFields: 1_500 },
    maxCost: 10_000,
    rateLimit: { requests: 1_200, cost: 2_000_000, windowMs: 60_000 },
  },
  partner: {
    limits: { maxBytes: 10_000, maxTokens: 1_000, maxDepth: 8, maxAliases: 10, maxRootFields: 5, maxDirectives: 10, maxFields: 500 },
    maxCost: 5_000,
    rateLimit: { requests: 120, cost: 200_000, windowMs: 60_000 },
  },
};

type PolicyOverride = Partial<Omit<ClientPolicy, 'limits' | 'rateLimit'>> & { limits?: Partial<OperationLimits>; rateLimit?: Partial<RateLimitBudget> };

export function readClientPolicies(env: Environment): Record<ClientKind, ClientPolicy> {
  const raw = env.CLIENT_POLICIES;
  if (!raw) return structuredClone(DEFAULT_CLIENT_POLICIES) as Record<ClientKind, ClientPolicy>;
  let overrides: Record<string, PolicyOverride>;
  try {
    overrides = JSON.parse(raw) as Record<string, PolicyOverride>;
  } catch {
    throw new ConfigError('CLIENT_POLICIES', 'is not valid JSON; expected e.g. {"partner": {"maxCost": 8000}}');
  }
  const policies = structuredClone(DEFAULT_CLIENT_POLICIES) as Record<ClientKind, ClientPolicy>;
  for (const [kind, override] of Object.entries(overrides)) {
    if (!CLIENT_KINDS.includes(kind as ClientKind)) throw new ConfigError('CLIENT_POLICIES', `unknown client kind "${kind}"; expected ${CLIENT_KINDS.join(', ')}`);
    const policy = policies[kind as ClientKind];
    Object.assign(policy.limits, override.limits ?? {});
    Object.assign(policy.rateLimit, override.rateLimit ?? {});
    if (override.maxCost !== undefined) policy.maxCost = override.maxCost;
    const numbers = [...Object.values(policy.limits), ...Object.values(policy.rateLimit), policy.maxCost];
    if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n) && n > 0)) {
      throw new ConfigError('CLIENT_POLICIES', `every limit and budget for "${kind}" must be a positive number`);
    }
  }
  return policies;
}

/** INTROSPECTION: the client kinds that may read the schema; by default users and scripts outside production, nobody in production. */
export function readIntrospectionKinds(env: Environment, production: boolean): Set<ClientKind> {
  const raw = env.INTROSPECTION;
  if (raw === undefined) return new Set<ClientKind>(production ? [] : ['user', 'script']);
  const kinds = raw.split(',').map((k) => k.trim()).filter((k) => k !== '' && k !== 'none');
  for (const kind of kinds) {
    if (!CLIENT_KINDS.includes(kind as ClientKind)) throw new ConfigError('INTROSPECTION', `unknown client kind "${kind}"; expected a comma-separated list of ${CLIENT_KINDS.join(', ')}, or none`);
  }
  return new Set(kinds as ClientKind[]);
}

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
