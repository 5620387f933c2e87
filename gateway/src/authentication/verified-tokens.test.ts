import { VerifiedTokens } from './verified-tokens';

const principal = { sub: 'alice', tenant: 'acme', kind: 'user' as const, scopes: ['incidents:read'] };
const key = {};
const NOW = 1_800_000_000_000;

describe('VerifiedTokens', () => {
  it('keeps an entry until the token expires, and no longer', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t', principal, key, NOW / 1000 + 60, NOW);
    expect(tokens.get('t', NOW + 59_999)?.principal).toEqual(principal);
    expect(tokens.get('t', NOW + 60_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('keeps an entry at most maxAgeMs, however far away the expiry is', () => {
    const tokens = new VerifiedTokens(10, 1000);
    tokens.remember('t', principal, key, NOW / 1000 + 86_400, NOW);
    expect(tokens.get('t', NOW + 999)).toBeDefined();
    expect(tokens.get('t', NOW + 1000)).toBeUndefined();
  });

  it('does not keep a token already expired (accepted within the clock tolerance)', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t', principal, key, NOW / 1000 - 5, NOW);
    expect(tokens.size).toBe(0);
  });

  it('holds at most maxEntries, the oldest leaving first, and tells tokens apart', () => {
    const tokens = new VerifiedTokens(2);
    for (const token of ['a', 'b', 'c']) tokens.remember(token, { ...principal, sub: token }, key, NOW / 1000 + 60, NOW);
    expect(tokens.size).toBe(2);
    expect(tokens.get('a', NOW)).toBeUndefined();
    expect(tokens.get('b', NOW)?.principal.sub).toBe('b');
    expect(tokens.get('c', NOW)?.principal.sub).toBe('c');
  });

  it('hands out a frozen copy, so no request can change what the next one gets', () => {
    const tokens = new VerifiedTokens();
    const scopes = ['incidents:read'];
    tokens.remember('t', { ...principal, scopes }, key, NOW / 1000 + 60, NOW);
    scopes.push('incidents:write');
    const remembered = tokens.get('t', NOW)!.principal;
    expect(remembered.scopes).toEqual(['incidents:read']);
    expect(() => remembered.scopes.push('x')).toThrow(TypeError);
  });
});
