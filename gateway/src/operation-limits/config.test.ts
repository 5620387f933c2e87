import { ConfigError } from '../../../lib/errors';
import { readClientPolicyOverrides } from '../client-policies';
import { DEFAULT_OPERATION_LIMITS, readOperationLimits } from './config';

const read = (policies?: unknown) => readOperationLimits(readClientPolicyOverrides(policies === undefined ? {} : { CLIENT_POLICIES: JSON.stringify(policies) }));

describe('operation limits configuration', () => {
  it('gives partners the tightest bounds by default', () => {
    const limits = read();
    expect(limits).toEqual(DEFAULT_OPERATION_LIMITS);
    for (const name of Object.keys(limits.partner) as Array<keyof typeof limits.partner>) {
      expect(limits.partner[name]).toBeLessThanOrEqual(limits.user[name]);
      expect(limits.partner[name]).toBeLessThanOrEqual(limits.script[name]);
    }
  });

  it('reads the limits section of CLIENT_POLICIES, per kind', () => {
    const limits = read({ partner: { limits: { maxDepth: 10, maxListLength: 20 } }, user: { maxCost: 1 } });
    expect(limits.partner).toEqual({ ...DEFAULT_OPERATION_LIMITS.partner, maxDepth: 10, maxListLength: 20 });
    expect(limits.user).toEqual(DEFAULT_OPERATION_LIMITS.user);
  });

  it('refuses an unknown limit or a bad value, naming CLIENT_POLICIES and the setting', () => {
    expect(() => read({ partner: { limits: { maxDeep: 10 } } })).toThrow(ConfigError);
    expect(() => read({ partner: { limits: { maxDeep: 10 } } })).toThrow('unknown setting "partner.limits.maxDeep"');
    expect(() => read({ script: { limits: { maxTokens: -5 } } })).toThrow('"script.limits.maxTokens" must be a positive number');
  });
});
