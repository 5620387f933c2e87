import { createHash } from 'node:crypto';
import type { Principal } from '../../../lib/principal';

interface Verified {
  principal: Principal;
  /** The key that verified the token; the entry holds only while the key set still gives this key. */
  key: unknown;
  /** Epoch ms after which the entry is gone: the token's expiry, or sooner. */
  until: number;
}

/**
 * Tokens already verified, so that a client sending the same token again (every request of a session or
 * a script) is not verified again: checking the signature was about 6% of the gateway's CPU under load, the
 * largest item of its own in the profile. An entry holds until the token expires (without clock tolerance)
 * and at most `maxAgeMs`, and only while the key that verified it is still the key the key set gives for the
 * token, so a key rotated out of the JWKS stops working as soon as the gateway learns of it. Keyed by the
 * token's SHA-256, so no bearer token is kept. Bounded: the oldest entry leaves first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 5 * 60_000,
  ) {}

  /** What was verified for `token` and may still be used, or undefined. */
  get(token: string, now: number): Verified | undefined {
    const id = digest(token);
    const entry = this.entries.get(id);
    if (entry && entry.until <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  remember(token: string, principal: Principal, key: unknown, expiresAtSeconds: number, now: number): void {
    const until = Math.min(expiresAtSeconds * 1000, now + this.maxAgeMs);
    if (until <= now) return;
    const frozen = Object.freeze({ ...principal, scopes: Object.freeze([...principal.scopes]) as string[] });
    this.entries.set(digest(token), { principal: frozen, key, until });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
