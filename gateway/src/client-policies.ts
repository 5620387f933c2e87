import type { Environment } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { CLIENT_KINDS, type ClientKind } from '../../lib/principal';

/**
 * CLIENT_POLICIES: one JSON object of overrides per client kind, in which each behaviour owns its key
 * (`limits`: operation limits, `maxCost`: cost, `rateLimit`: rate limits, `subscriptions`), e.g.
 * {"partner": {"maxCost": 8000, "rateLimit": {"requests": 300}}}. Each behaviour reads and checks its own part.
 */
export type ClientPolicyOverrides = Record<ClientKind, Record<string, unknown>>;

const VARIABLE = 'CLIENT_POLICIES';
/** The keys the behaviours read; any other is refused, so that a misspelt one cannot be silently ignored. */
const SECTIONS = ['limits', 'maxCost', 'rateLimit', 'subscriptions'];

export function readClientPolicyOverrides(env: Environment): ClientPolicyOverrides {
  const overrides = { user: {}, script: {}, partner: {} } as ClientPolicyOverrides;
  const raw = env[VARIABLE];
  if (!raw) return overrides;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(VARIABLE, 'is not valid JSON; expected e.g. {"partner": {"maxCost": 8000}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(VARIABLE, 'expected a JSON object keyed by client kind');
  for (const [kind, override] of Object.entries(parsed)) {
    if (!(CLIENT_KINDS as readonly string[]).includes(kind)) throw new ConfigError(VARIABLE, `unknown client kind "${kind}"; expected ${CLIENT_KINDS.join(', ')}`);
    if (typeof override !== 'object' || override === null) throw new ConfigError(VARIABLE, `the value for "${kind}" must be a JSON object`);
    const unknown = Object.keys(override).find((section) => !SECTIONS.includes(section));
    if (unknown !== undefined) throw new ConfigError(VARIABLE, `unknown setting "${kind}.${unknown}"; expected ${SECTIONS.join(', ')}`);
    overrides[kind as ClientKind] = override as Record<string, unknown>;
  }
  return overrides;
}

/**
 * One behaviour's settings per client kind: its defaults, with each kind's override merged in. Every value must
 * be a positive number; `section` names the key in CLIENT_POLICIES (or undefined for a top-level number).
 */
export function perKindSettings<T extends object>(
  defaults: Readonly<Record<ClientKind, T>>,
  overrides: ClientPolicyOverrides,
  section: string,
): Record<ClientKind, T> {
  const settings = {} as Record<ClientKind, T>;
  for (const kind of CLIENT_KINDS) {
    const override = overrides[kind][section];
    if (override !== undefined && (typeof override !== 'object' || override === null)) throw new ConfigError(VARIABLE, `"${kind}.${section}" must be a JSON object`);
    const merged: T = { ...defaults[kind], ...(override as Partial<T> | undefined) };
    for (const [name, value] of Object.entries(merged) as Array<[string, unknown]>) {
      if (!(name in defaults[kind])) throw new ConfigError(VARIABLE, `unknown setting "${kind}.${section}.${name}"; expected ${Object.keys(defaults[kind]).join(', ')}`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(VARIABLE, `"${kind}.${section}.${name}" must be a positive number`);
    }
    settings[kind] = merged;
  }
  return settings;
}
