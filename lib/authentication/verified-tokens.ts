import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { JWTHeaderParameters } from 'jose';
import type { Principal } from '../principal';

interface Verified {
  principal: Principal;
  /** The key that verified the token; the entry holds only while the key set still gives this key. */
  key: unknown;
  /** The token's protected header, as verified: what the key set is asked with, without decoding it again. */
  header: JWTHeaderParameters;
  /** The token's own expiry, epoch ms (a subscription ends then). */
  expiresAt: number;
  /** Epoch ms after which the entry is gone: the token's expiry, or sooner. */
  until: number;
}

/**
 * Tokens already verified, so that a client sending the same token again (every request of a session or
 * a script) is not verified again: checking the signature was about 6% of the gateway's CPU under load, the
 * largest item of its own in the profile. An entry holds until the token expires (without clock tolerance)
 * and at most `maxAgeMs`, and only while the key that verified it is still the key the key set gives for the
 * token, so a key rotated out of the JWKS stops working as soon as the gateway learns of it. Keyed by the
 * token's SHA-256, so no bearer token is kept. Bounded: the least recently used entry leaves first.
 */
export class VerifiedTokens {
  private readonly entries: LRUCache<string, Verified>;

  constructor(
    maxEntries = 10_000,
    private readonly maxAgeMs = 5 * 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {
    // The cache's own TTL frees memory; `until` decides, to the millisecond, whether an entry still holds.
    this.entries = new LRUCache({ max: maxEntries, perf: { now }, ttlResolution: 0 });
  }

  /** What was verified for `token` and may still be used, or undefined. */
  get(token: string): Verified | undefined {
    const entry = this.entries.get(digest(token));
    return entry && entry.until > this.now() ? entry : undefined;
  }

  remember(token: string, principal: Principal, key: unknown, header: JWTHeaderParameters, expiresAtSeconds: number, now: number): void {
    const expiresAt = expiresAtSeconds * 1000;
    const until = Math.min(expiresAt, now + this.maxAgeMs);
    if (until <= now) return;
    const frozen = Object.freeze({ ...principal, scopes: Object.freeze([...principal.scopes]) as string[] });
    this.entries.set(digest(token), { principal: frozen, key, header, expiresAt, until }, { ttl: until - now });
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  return hash('sha256', token, 'base64url');
}
