import { ConfigError } from '../../../lib/errors';
import { CLIENT_KINDS, type ClientKind } from '../../../lib/principal';
import type { ClientPolicyOverrides } from '../client-policies';

/**
 * The most one operation may cost (Apollo's static estimate from @cost and @listSize), per client kind. The
 * demo's IncidentBoard (50 incidents with assignees, groups and assets) costs about 1,900, and 100 incidents with
 * their timelines' actors and groups about 17,000. Override with CLIENT_POLICIES, e.g. {"partner": {"maxCost": 8000}}.
 */
export const DEFAULT_MAX_COST: Readonly<Record<ClientKind, number>> = { user: 10_000, script: 10_000, partner: 5_000 };

export function readMaxCost(overrides: ClientPolicyOverrides): Record<ClientKind, number> {
  const maxCost = { ...DEFAULT_MAX_COST };
  for (const kind of CLIENT_KINDS) {
    const value = overrides[kind].maxCost;
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError('CLIENT_POLICIES', `"${kind}.maxCost" must be a positive number`);
    maxCost[kind] = value;
  }
  return maxCost;
}
