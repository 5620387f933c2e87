import { ConfigError } from '../../../lib/errors';
import { readResilienceConfig } from './config';

describe('readResilienceConfig', () => {
  it('has defaults: 10 s timeout, 2 retries, circuit opens after 5 failures for 10 s', () => {
    expect(readResilienceConfig({})).toEqual({ timeoutMs: 10_000, retries: 2, breakerFailureThreshold: 5, breakerCooldownMs: 10_000 });
  });

  it('reads each variable', () => {
    expect(
      readResilienceConfig({ SUBGRAPH_TIMEOUT_MS: '2500', SUBGRAPH_RETRIES: '0', BREAKER_FAILURE_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '30000' }),
    ).toEqual({ timeoutMs: 2500, retries: 0, breakerFailureThreshold: 3, breakerCooldownMs: 30_000 });
  });

  it.each([
    ['SUBGRAPH_TIMEOUT_MS', '0'],
    ['SUBGRAPH_TIMEOUT_MS', '10s'],
    ['SUBGRAPH_RETRIES', '-1'],
    ['SUBGRAPH_RETRIES', '1.5'],
    ['BREAKER_FAILURE_THRESHOLD', '0'],
    ['BREAKER_COOLDOWN_MS', 'soon'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    let error: unknown;
    try {
      readResilienceConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toContain(`${name}: `);
    expect((error as ConfigError).message).toContain(`"${value}"`);
  });
});
