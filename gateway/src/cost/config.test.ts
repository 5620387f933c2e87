import { ConfigError } from '../../../lib/errors';
import { readClientPolicyOverrides } from '../client-policies';
import { DEFAULT_MAX_COST, readMaxCost } from './config';

const read = (policies?: unknown) => readMaxCost(readClientPolicyOverrides(policies === undefined ? {} : { CLIENT_POLICIES: JSON.stringify(policies) }));

describe('cost configuration', () => {
  it('gives partners the smallest budget by default', () => {
    expect(read()).toEqual(DEFAULT_MAX_COST);
    expect(DEFAULT_MAX_COST.partner).toBeLessThan(DEFAULT_MAX_COST.user);
  });

  it('reads maxCost of CLIENT_POLICIES, per kind', () => {
    expect(read({ partner: { maxCost: 8000, limits: { maxDepth: 3 } } })).toEqual({ ...DEFAULT_MAX_COST, partner: 8000 });
  });

  it.each([0, -1, '8000', null])('refuses maxCost %j, naming CLIENT_POLICIES', (maxCost) => {
    let error: unknown;
    try {
      read({ partner: { maxCost } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('CLIENT_POLICIES: "partner.maxCost" must be a positive number');
  });
});
