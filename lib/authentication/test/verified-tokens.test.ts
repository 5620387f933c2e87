import { VerifiedTokens } from '../verified-tokens';

const principal = { sub: 'alice', tenant: 'acme', kind: 'user' as const, scopes: ['incidents:read'] };
const key = {};
const HEADER = { alg: 'ES256', kid: 'k1' };
const NOW = 1_800_000_000_000;

/** A clock the tests move: the cache reads it for every look-up. */
function clock(start = NOW) {
  const time = { now: start };
  return { time, read: () => time.now };
}

describe('VerifiedTokens', () => {
  it('keeps an entry until the token expires, and no longer', () => {
    const { time, read } = clock();
    const tokens = new VerifiedTokens(10_000, 5 * 60_000, read);
    tokens.remember('t', principal, key, HEADER, NOW / 1000 + 60, NOW);
    time.now = NOW + 59_999;
    expect(tokens.get('t')?.principal).toEqual(principal);
    expect(tokens.get('t')?.expiresAt).toBe(NOW + 60_000);
    time.now = NOW + 60_000;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('keeps an entry at most maxAgeMs, however far away the expiry is', () => {
    const { time, read } = clock();
    const tokens = new VerifiedTokens(10, 1000, read);
    tokens.remember('t', principal, key, HEADER, NOW / 1000 + 86_400, NOW);
    time.now = NOW + 999;
    expect(tokens.get('t')).toBeDefined();
    time.now = NOW + 1000;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('does not keep a token already expired (accepted within the clock tolerance)', () => {
    const tokens = new VerifiedTokens(10_000, 5 * 60_000, clock().read);
    tokens.remember('t', principal, key, HEADER, NOW / 1000 - 5, NOW);
    expect(tokens.size).toBe(0);
  });

  it('holds at most maxEntries, the least recently used leaving first, and tells tokens apart', () => {
    const tokens = new VerifiedTokens(2, 5 * 60_000, clock().read);
    tokens.remember('a', { ...principal, sub: 'a' }, key, HEADER, NOW / 1000 + 60, NOW);
    tokens.remember('b', { ...principal, sub: 'b' }, key, HEADER, NOW / 1000 + 60, NOW);
    tokens.get('a');
    tokens.remember('c', { ...principal, sub: 'c' }, key, HEADER, NOW / 1000 + 60, NOW);
    expect(tokens.size).toBe(2);
    expect(tokens.get('b')).toBeUndefined();
    expect(tokens.get('a')?.principal.sub).toBe('a');
    expect(tokens.get('c')?.principal.sub).toBe('c');
  });

  it('hands out a frozen copy, so no request can change what the next one gets', () => {
    const tokens = new VerifiedTokens(10_000, 5 * 60_000, clock().read);
    const scopes = ['incidents:read'];
    tokens.remember('t', { ...principal, scopes }, key, HEADER, NOW / 1000 + 60, NOW);
    scopes.push('incidents:write');
    const remembered = tokens.get('t')!.principal;
    expect(remembered.scopes).toEqual(['incidents:read']);
    expect(() => remembered.scopes.push('x')).toThrow(TypeError);
  });
});
