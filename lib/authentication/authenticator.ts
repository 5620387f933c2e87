import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ConfigError } from '../errors';
import { CLIENT_KINDS, type Principal } from '../principal';
import { ALLOWED_ALGORITHMS, type AuthConfig, type KeySource } from './config';
import { loadOrCreateDevelopmentKey } from './development-key';
import { VerifiedTokens } from './verified-tokens';

/** Why a request's credentials were refused, in words a person can act on; the gateway answers 401. */
export class AuthenticationError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'AuthenticationError';
  }
}

/**
 * The identity provider's keys could not be fetched, so no token can be checked right now. The token may
 * well be valid: the gateway can answer 503 instead of 401 so that clients retry rather than log out.
 */
export class SigningKeysUnavailableError extends AuthenticationError {
  constructor(cause: unknown) {
    super('the signing keys could not be fetched from the identity provider; try again later', { cause });
    this.name = 'SigningKeysUnavailableError';
  }
}

/** Who is asking, and until when their token holds. */
export interface Authenticated {
  principal: Principal;
  /** The token's expiry, epoch ms. */
  expiresAt: number;
}

export interface Authenticator {
  /** Verifies `Authorization: Bearer <JWT>` and returns who is asking; throws AuthenticationError otherwise. */
  authenticate(authorizationHeader: string | undefined): Promise<Authenticated>;
}

/** An unknown kid refetches the JWKS (key rotation), at most once per cooldown so forged kids cannot flood it. */
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 5_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;

export async function createAuthenticator(config: AuthConfig): Promise<Authenticator> {
  const refused = config.algorithms.filter((algorithm) => !ALLOWED_ALGORITHMS.includes(algorithm));
  if (refused.length > 0 || config.algorithms.length === 0) {
    throw new ConfigError('algorithms', `only ${ALLOWED_ALGORITHMS.join(', ')} are allowed, got ${config.algorithms.join(', ') || 'none'}`);
  }
  const keys = await openKeySource(config.keySource);
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    clockTolerance: config.clockToleranceSeconds,
    // A token without an expiry would be valid forever.
    requiredClaims: ['exp', 'sub', 'tenant'],
  };
  const verified = new VerifiedTokens();
  return {
    async authenticate(authorizationHeader) {
      const token = readBearerToken(authorizationHeader);
      const known = verified.get(token);
      if (known && (await currentKey(keys, token, known.header)) === known.key) return { principal: known.principal, expiresAt: known.expiresAt };
      let payload: JWTPayload;
      let key: unknown;
      let protectedHeader: JWTHeaderParameters;
      try {
        ({ payload, key, protectedHeader } = await jwtVerify(token, keys, options));
      } catch (error) {
        throw explain(error, token, config);
      }
      const principal = toPrincipal(payload);
      verified.remember(token, principal, key, protectedHeader, payload.exp!, Date.now());
      return { principal, expiresAt: payload.exp! * 1000 };
    },
  };
}

/** The key the key set gives for this token (its header as verified) now, or undefined when it gives none (or cannot be asked). */
async function currentKey(keys: JWTVerifyGetKey, token: string, header: JWTHeaderParameters): Promise<unknown> {
  try {
    const [protectedHeader, payload, signature] = token.split('.');
    return await keys(header, { protected: protectedHeader, payload, signature });
  } catch {
    return undefined;
  }
}

async function openKeySource(source: KeySource): Promise<JWTVerifyGetKey> {
  switch (source.kind) {
    case 'development': {
      const { publicJwk } = await loadOrCreateDevelopmentKey(source.directory);
      return createLocalJWKSet({ keys: [publicJwk] });
    }
    case 'jwks-file':
      return createLocalJWKSet(await readJwksFile(source.path));
    case 'jwks-url':
      return remoteKeys(new URL(source.url));
  }
}

async function readJwksFile(path: string): Promise<JSONWebKeySet> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('JWKS_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(content);
  } catch {
    throw new ConfigError('JWKS_FILE', `${path} is not JSON`);
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError('JWKS_FILE', `${path} is not a JSON Web Key Set: expected {"keys": [...]} with at least one key`);
  }
  return jwks as JSONWebKeySet;
}

function remoteKeys(url: URL): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      // These two are about the token's kid; anything else means the key set itself is unreachable or broken.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new SigningKeysUnavailableError(error);
    }
  };
}

function readBearerToken(header: string | undefined): string {
  const parts = (header ?? '').trim().split(/\s+/);
  if (parts[0] === '') throw new AuthenticationError('missing Authorization header: send "Authorization: Bearer <token>"');
  const [scheme, token, ...rest] = parts;
  if (scheme.toLowerCase() !== 'bearer') {
    throw new AuthenticationError(`Authorization scheme ${quote(scheme)} is not supported: send "Authorization: Bearer <token>"`);
  }
  if (token === undefined) throw new AuthenticationError('missing token after Bearer');
  if (rest.length > 0) throw new AuthenticationError('malformed Authorization header: expected "Bearer <token>"');
  return token;
}

/** Turns jose's verdict into a reason. Values from the token are attacker input: they pass through quote(). */
function explain(error: unknown, token: string, config: AuthConfig): unknown {
  if (error instanceof AuthenticationError) return error;
  if (!(error instanceof errors.JOSEError)) return error;
  const header = safeHeader(token);
  const reason = (() => {
    if (error instanceof errors.JOSEAlgNotAllowed) {
      const allowed = config.revealExpectations ? `; allowed: ${config.algorithms.join(', ')}` : '';
      return `token signed with an algorithm that is not allowed (${quote(header.alg)})${allowed}`;
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return header.kid === undefined ? `no signing key matches the token (alg ${quote(header.alg)}, no kid)` : `unknown signing key (kid ${quote(header.kid)})`;
    }
    if (error instanceof errors.JWKSMultipleMatchingKeys) return 'the token has no kid and several signing keys could match; the issuer must set kid';
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'invalid signature';
    if (error instanceof errors.JWTExpired) return 'token expired';
    if (error instanceof errors.JWTClaimValidationFailed) return explainClaim(error, config);
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return `malformed token (${error.message})`;
    return `token refused (${error.message})`;
  })();
  return new AuthenticationError(reason, { cause: error });
}

function explainClaim(error: errors.JWTClaimValidationFailed, config: AuthConfig): string {
  if (error.reason === 'missing') return `missing claim ${error.claim}`;
  if (error.claim === 'iss') return config.revealExpectations ? `wrong issuer: expected "${config.issuer}"` : 'the token was issued by an issuer this API does not accept';
  if (error.claim === 'aud') return config.revealExpectations ? `wrong audience: expected "${config.audience}"` : 'the token is meant for another audience than this API';
  if (error.claim === 'nbf' && error.reason === 'check_failed') return 'token not yet valid (nbf is in the future)';
  return `invalid claim ${error.claim} (${error.message})`;
}

function toPrincipal(payload: JWTPayload): Principal {
  const sub = payload.sub;
  const tenant = payload.tenant;
  if (typeof sub !== 'string' || sub === '') throw new AuthenticationError('claim sub must be a non-empty string');
  if (typeof tenant !== 'string' || tenant === '') throw new AuthenticationError('claim tenant must be a non-empty string');
  const clientId = payload.client_id ?? payload.azp;
  if (clientId !== undefined && typeof clientId !== 'string') throw new AuthenticationError('claim client_id must be a string');
  return { sub, tenant, kind: readClientKind(payload.client_kind), scopes: readScopes(payload), clientId };
}

function readClientKind(value: unknown): Principal['kind'] {
  if (value === undefined) return 'user';
  if (CLIENT_KINDS.includes(value as Principal['kind'])) return value as Principal['kind'];
  throw new AuthenticationError(`unknown client_kind ${quote(value)}: expected ${CLIENT_KINDS.join(', ')}`);
}

/** `scope` is a space-separated string (RFC 8693); some providers send `scp` as an array instead. */
function readScopes(payload: JWTPayload): string[] {
  const { scope, scp } = payload;
  let scopes: unknown[];
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw new AuthenticationError('claim scope must be a space-separated string');
    scopes = scope.split(/\s+/);
  } else if (typeof scp === 'string') {
    scopes = scp.split(/\s+/);
  } else if (scp === undefined || Array.isArray(scp)) {
    scopes = scp ?? [];
  } else {
    throw new AuthenticationError('claim scp must be an array of strings');
  }
  if (!scopes.every((item) => typeof item === 'string')) throw new AuthenticationError('claim scp must be an array of strings');
  return [...new Set(scopes as string[])].filter((item) => item !== '');
}

function safeHeader(token: string): { alg?: unknown; kid?: unknown } {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return {};
  }
}

/** Shows a value taken from the token: plain when it is a short identifier, else JSON-quoted and truncated. */
function quote(value: unknown): string {
  if (typeof value === 'string' && /^[\w.:-]{1,64}$/.test(value)) return value;
  const text = JSON.stringify(value) ?? 'none';
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
