import { dataDirectory } from '../principal';
import { readNodeEnv, readUrl, requireInProduction, type Environment } from '../config';
import { ConfigError } from '../errors';

/** Where the keys that verify tokens come from. */
export type KeySource =
  /** The identity provider's JWKS endpoint; fetched, cached and refetched on an unknown kid (key rotation). */
  | { kind: 'jwks-url'; url: string }
  /** A JWKS document on disk, read once at start. */
  | { kind: 'jwks-file'; path: string }
  /** The embedded development key pair in this directory, also used by `npm run token`. */
  | { kind: 'development'; directory: string };

export interface AuthConfig {
  /** The `iss` every token must carry. */
  issuer: string;
  /** A value the token's `aud` must contain. */
  audience: string;
  keySource: KeySource;
  /** How far `exp` and `nbf` may be off, for clocks that disagree a little. */
  clockToleranceSeconds: number;
  /** Signature algorithms accepted; a subset of ALLOWED_ALGORITHMS. */
  algorithms: string[];
  /**
   * Whether a refusal may name what was expected (the issuer, the audience, the algorithms): outside production
   * it helps a developer; in production it would describe the configuration to whoever sends a token.
   */
  revealExpectations: boolean;
}

/** Asymmetric algorithms only: an HMAC algorithm would let anyone holding the public key sign tokens. */
export const ALLOWED_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'EdDSA'];

export const DEVELOPMENT_ISSUER = 'palisade-dev';
export const DEVELOPMENT_AUDIENCE = 'palisade';
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * JWKS_URL or JWKS_FILE name the keys; JWT_ISSUER and JWT_AUDIENCE the expected claims. With neither key
 * source set outside production, the gateway generates a development key pair in the data directory.
 */
export function readAuthConfig(env: Environment): AuthConfig {
  const production = readNodeEnv(env) === 'production';
  if (production && !env.JWKS_URL && !env.JWKS_FILE) {
    throw new ConfigError(
      'JWKS_URL',
      'is required when NODE_ENV=production (or JWKS_FILE): the URL of your identity provider\'s JSON Web Key Set; the generated development key serves only development',
    );
  }
  requireInProduction(env, 'JWT_ISSUER', 'the "iss" claim your identity provider puts in its tokens');
  requireInProduction(env, 'JWT_AUDIENCE', 'the "aud" claim that tokens for this API carry');
  return {
    issuer: env.JWT_ISSUER || DEVELOPMENT_ISSUER,
    audience: env.JWT_AUDIENCE || DEVELOPMENT_AUDIENCE,
    keySource: readKeySource(env, production),
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    algorithms: [...ALLOWED_ALGORITHMS],
    revealExpectations: !production,
  };
}

function readKeySource(env: Environment, production: boolean): KeySource {
  const url = readUrl(env, 'JWKS_URL', ['https:', 'http:']);
  const path = env.JWKS_FILE || undefined;
  if (url && path) throw new ConfigError('JWKS_FILE', 'set either JWKS_URL or JWKS_FILE, not both');
  if (url) {
    // Over plain HTTP anyone on the path could hand the gateway their own keys.
    if (production && new URL(url).protocol !== 'https:') {
      throw new ConfigError('JWKS_URL', 'must use https when NODE_ENV=production');
    }
    return { kind: 'jwks-url', url };
  }
  if (path) return { kind: 'jwks-file', path };
  return { kind: 'development', directory: dataDirectory(env) };
}
