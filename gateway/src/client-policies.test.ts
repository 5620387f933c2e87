import { ConfigError } from '../../lib/errors';
import { perKindSettings, readClientPolicyOverrides } from './client-policies';

/** The ConfigError a read throws. */
function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('CLIENT_POLICIES', () => {
  it('is no override at all when unset', () => {
    expect(readClientPolicyOverrides({})).toEqual({ user: {}, script: {}, partner: {} });
    expect(readClientPolicyOverrides({ CLIENT_POLICIES: '' })).toEqual({ user: {}, script: {}, partner: {} });
  });

  it('gives each client kind its object, leaving every behaviour its own key in it', () => {
    const raw = JSON.stringify({ partner: { maxCost: 8000, rateLimit: { requests: 300 } }, script: { limits: { maxDepth: 20 } } });
    expect(readClientPolicyOverrides({ CLIENT_POLICIES: raw })).toEqual({
      user: {},
      script: { limits: { maxDepth: 20 } },
      partner: { maxCost: 8000, rateLimit: { requests: 300 } },
    });
  });

  it.each([
    ['{"partner": {', 'is not valid JSON; expected e.g. {"partner": {"maxCost": 8000}}'],
    ['[{"partner": {}}]', 'expected a JSON object keyed by client kind'],
    ['"partner"', 'expected a JSON object keyed by client kind'],
    ['{"admin": {"maxCost": 1}}', 'unknown client kind "admin"; expected user, script, partner'],
    ['{"partner": 8000}', 'the value for "partner" must be a JSON object'],
    ['{"partner": {"limts": {"maxDepth": 4}}}', 'unknown setting "partner.limts"; expected limits, maxCost, rateLimit, subscriptions'],
  ])('refuses %s, naming CLIENT_POLICIES', (raw, reason) => {
    const error = configError(() => readClientPolicyOverrides({ CLIENT_POLICIES: raw }));
    expect(error.variable).toBe('CLIENT_POLICIES');
    expect(error.message).toBe(`CLIENT_POLICIES: ${reason}`);
  });
});

describe("a behaviour's settings per client kind", () => {
  const defaults = { user: { requests: 10, burst: 2 }, script: { requests: 20, burst: 4 }, partner: { requests: 5, burst: 1 } };
  const overrides = (partner: Record<string, unknown>) => ({ user: {}, script: {}, partner });

  it('are the defaults, with each kind\'s override merged in over them', () => {
    expect(perKindSettings(defaults, overrides({}), 'rateLimit')).toEqual(defaults);
    expect(perKindSettings(defaults, overrides({ rateLimit: { requests: 50 }, other: { x: 1 } }), 'rateLimit')).toEqual({ ...defaults, partner: { requests: 50, burst: 1 } });
  });

  it('never changes the defaults they were built from', () => {
    perKindSettings(defaults, overrides({ rateLimit: { requests: 50 } }), 'rateLimit');
    expect(defaults.partner.requests).toBe(5);
  });

  it.each([
    [{ rateLimit: 300 }, '"partner.rateLimit" must be a JSON object'],
    [{ rateLimit: { request: 300 } }, 'unknown setting "partner.rateLimit.request"; expected requests, burst'],
    [{ rateLimit: { requests: 0 } }, '"partner.rateLimit.requests" must be a positive number'],
    [{ rateLimit: { requests: '300' } }, '"partner.rateLimit.requests" must be a positive number'],
    [{ rateLimit: { burst: null } }, '"partner.rateLimit.burst" must be a positive number'],
  ])('refuse %j, naming the setting', (partner, reason) => {
    expect(configError(() => perKindSettings(defaults, overrides(partner), 'rateLimit')).message).toBe(`CLIENT_POLICIES: ${reason}`);
  });
});
