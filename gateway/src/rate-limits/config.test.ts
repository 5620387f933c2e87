import { ConfigError } from '../../../lib/errors';
import { readClientPolicyOverrides } from '../client-policies';
import { DEFAULT_ADMISSION, DEFAULT_COST_IN_FLIGHT_PER_TENANT, DEFAULT_BUDGETS, DEFAULT_RESERVE_PERCENT, readRateLimitsConfig } from './config';

const read = (env: Record<string, string> = {}) => readRateLimitsConfig(env, readClientPolicyOverrides(env));

describe('rate limits configuration', () => {
  it('has budgets per kind and bounds on work in flight by default', () => {
    expect(read()).toEqual({ budgets: DEFAULT_BUDGETS, admission: DEFAULT_ADMISSION, costInFlightPerTenant: DEFAULT_COST_IN_FLIGHT_PER_TENANT, reservePercent: DEFAULT_RESERVE_PERCENT });
    expect(DEFAULT_ADMISSION.perCaller).toBeLessThan(DEFAULT_ADMISSION.perTenant);
  });

  it('reads the rateLimit section of CLIENT_POLICIES, per kind', () => {
    const config = read({ CLIENT_POLICIES: JSON.stringify({ partner: { rateLimit: { requests: 300 } }, script: { rateLimit: { cost: 5_000_000, windowMs: 10_000 } } }) });
    expect(config.budgets.partner).toEqual({ ...DEFAULT_BUDGETS.partner, requests: 300 });
    expect(config.budgets.script).toEqual({ requests: DEFAULT_BUDGETS.script.requests, cost: 5_000_000, windowMs: 10_000 });
    expect(config.budgets.user).toEqual(DEFAULT_BUDGETS.user);
    expect(() => read({ CLIENT_POLICIES: JSON.stringify({ partner: { rateLimit: { requests: 0 } } }) })).toThrow('"partner.rateLimit.requests" must be a positive number');
  });

  it('reads MAX_IN_FLIGHT_PER_CALLER, MAX_IN_FLIGHT_PER_TENANT and ADMISSION_WAIT_MS', () => {
    expect(read({ MAX_IN_FLIGHT_PER_CALLER: '2', MAX_IN_FLIGHT_PER_TENANT: '10', ADMISSION_WAIT_MS: '250' }).admission).toEqual({
      perCaller: 2,
      perTenant: 10,
      maxWaiting: DEFAULT_ADMISSION.maxWaiting,
      maxWaitMs: 250,
    });
  });

  it('reads RATE_LIMIT_RESERVE_PERCENT, where 0 charges Redis on every request', () => {
    expect(read({ RATE_LIMIT_RESERVE_PERCENT: '0' }).reservePercent).toBe(0);
    expect(read({ RATE_LIMIT_RESERVE_PERCENT: '10' }).reservePercent).toBe(10);
  });

  it.each([
    ['MAX_IN_FLIGHT_PER_CALLER', '0'],
    ['MAX_IN_FLIGHT_PER_TENANT', 'many'],
    ['ADMISSION_WAIT_MS', '1.5'],
    ['RATE_LIMIT_RESERVE_PERCENT', '101'],
    ['RATE_LIMIT_RESERVE_PERCENT', '-1'],
  ])('refuses %s=%s, naming it', (name, value) => {
    let error: unknown;
    try {
      read({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
  });
});
