import { createHmac, createPublicKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { AuthenticationError, createAuthenticator, SigningKeysUnavailableError, type Authenticator } from '../authenticator';
import { readAuthConfig, type AuthConfig } from '../config';
import { loadOrCreateDevelopmentKey, signDevelopmentToken } from '../development-key';
import { ConfigError } from '../../errors';

/** Who the authenticator says is asking (its answer also carries the token's expiry). */
async function principalOf(authenticator: Authenticator, header: string) {
  return (await authenticator.authenticate(header)).principal;
}

// The real jwtVerify, counted: a token sent again must not be verified again.
jest.mock('jose', () => {
  const actual = jest.requireActual('jose');
  return { ...actual, jwtVerify: jest.fn(actual.jwtVerify) };
});
const verifications = jwtVerify as jest.MockedFunction<typeof jwtVerify>;

interface SigningKey {
  privateKey: KeyLike;
  publicJwk: JWK;
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
}

async function newKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, kid, alg };
}

const now = () => Math.floor(Date.now() / 1000);

function validClaims(overrides: JWTPayload = {}): JWTPayload {
  return { sub: 'alice', tenant: 'acme', scope: 'incidents:read', iss: 'palisade-dev', aud: 'palisade', iat: now(), exp: now() + 600, ...overrides };
}

/** Signs exactly these claims (nothing added), so that tests can leave claims out; kid null leaves it out too. */
function sign(key: SigningKey, claims: JWTPayload, kid: string | null = key.kid): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) }).sign(key.privateKey);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The reason authenticate() gives for refusing this header. */
async function refusal(authenticator: Authenticator, header: string | undefined): Promise<string> {
  const error = await authenticator.authenticate(header).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return (error as AuthenticationError).reason;
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'palisade-auth-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('with the development key', () => {
  let config: AuthConfig;
  let authenticator: Authenticator;
  let devKey: SigningKey;

  beforeAll(async () => {
    config = readAuthConfig({ PALISADE_DATA_DIR: join(directory, 'development') });
    authenticator = await createAuthenticator(config);
    devKey = { ...(await loadOrCreateDevelopmentKey(join(directory, 'development'))), alg: 'ES256' };
  });

  it('accepts a development token and returns its principal', async () => {
    const token = await signDevelopmentToken({
      directory: join(directory, 'development'),
      sub: 'alice',
      tenant: 'acme',
      scopes: ['incidents:read', 'pii:read'],
      kind: 'partner',
      clientId: 'partner-x',
    });
    await expect(principalOf(authenticator, `Bearer ${token}`)).resolves.toEqual({
      sub: 'alice',
      tenant: 'acme',
      kind: 'partner',
      scopes: ['incidents:read', 'pii:read'],
      clientId: 'partner-x',
    });
  });

  it('defaults the kind to user, reads scp arrays and takes azp as the client id', async () => {
    const claims = validClaims({ scope: undefined, scp: ['assets:read', 'assets:read', 'identity:read'], azp: 'frontend' });
    await expect(authenticator.authenticate(`bearer ${await sign(devKey, claims)}`)).resolves.toEqual({
      principal: { sub: 'alice', tenant: 'acme', kind: 'user', scopes: ['assets:read', 'identity:read'], clientId: 'frontend' },
      expiresAt: (claims.exp as number) * 1000,
    });
    const withoutScopes = await authenticator.authenticate(`Bearer ${await sign(devKey, validClaims({ scope: undefined }))}`);
    expect(withoutScopes.principal.scopes).toEqual([]);
  });

  it('accepts a token expired by less than the clock tolerance', async () => {
    const token = await sign(devKey, validClaims({ iat: now() - 600, exp: now() - 10 }));
    await expect(principalOf(authenticator, `Bearer ${token}`)).resolves.toMatchObject({ sub: 'alice' });
  });

  it('refuses a missing header, another scheme and a header without a token', async () => {
    expect(await refusal(authenticator, undefined)).toMatch(/^missing Authorization header/);
    expect(await refusal(authenticator, '   ')).toMatch(/^missing Authorization header/);
    expect(await refusal(authenticator, 'Basic YWxpY2U6c2VjcmV0')).toBe('Authorization scheme Basic is not supported: send "Authorization: Bearer <token>"');
    expect(await refusal(authenticator, 'Bearer')).toBe('missing token after Bearer');
    expect(await refusal(authenticator, 'Bearer a b')).toMatch(/^malformed Authorization header/);
  });

  it('refuses a token that is not a JWT', async () => {
    expect(await refusal(authenticator, 'Bearer not-a-jwt')).toMatch(/^malformed token/);
    expect(await refusal(authenticator, 'Bearer a.b.c')).toMatch(/^malformed token/);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`;
    expect(await refusal(authenticator, `Bearer ${token}`)).toBe(
      'token signed with an algorithm that is not allowed (none); allowed: RS256, ES256, EdDSA',
    );
  });

  it('refuses a token signed with HS256 using the public key as the secret (key confusion)', async () => {
    const publicPem = createPublicKey({ key: devKey.publicJwk as JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    for (const secret of [publicPem, JSON.stringify(devKey.publicJwk)]) {
      const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT', kid: devKey.kid })}.${base64url(validClaims())}`;
      const token = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
      expect(await refusal(authenticator, `Bearer ${token}`)).toBe(
        'token signed with an algorithm that is not allowed (HS256); allowed: RS256, ES256, EdDSA',
      );
    }
  });

  it('refuses a token whose kid names no known key', async () => {
    const stranger = await newKey('ES256', 'rotated-away');
    expect(await refusal(authenticator, `Bearer ${await sign(stranger, validClaims())}`)).toBe('unknown signing key (kid rotated-away)');
    expect(await refusal(authenticator, `Bearer ${await sign(stranger, validClaims(), 'x'.repeat(500))}`)).toMatch(/^unknown signing key \(kid "x{60,}…\)$/);
  });

  it('refuses a token signed by another key under the known kid', async () => {
    const impostor = await newKey('ES256', devKey.kid);
    expect(await refusal(authenticator, `Bearer ${await sign(impostor, validClaims())}`)).toBe('invalid signature');
  });

  it('refuses a genuine token whose payload was changed to another tenant', async () => {
    const [header, , signature] = (await sign(devKey, validClaims())).split('.');
    const forged = `${header}.${base64url(validClaims({ tenant: 'globex' }))}.${signature}`;
    expect(await refusal(authenticator, `Bearer ${forged}`)).toBe('invalid signature');
  });

  it('refuses the wrong issuer or audience', async () => {
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ iss: 'https://evil.example/' }))}`)).toBe(
      'wrong issuer: expected "palisade-dev"',
    );
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ aud: 'another-api' }))}`)).toBe(
      'wrong audience: expected "palisade"',
    );
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ iss: undefined }))}`)).toBe('missing claim iss');
  });

  it('names neither the expected issuer, audience nor algorithms when configured not to reveal them (production)', async () => {
    const discreet = await createAuthenticator({ ...config, revealExpectations: false });
    expect(await refusal(discreet, `Bearer ${await sign(devKey, validClaims({ iss: 'https://evil.example/' }))}`)).toBe(
      'the token was issued by an issuer this API does not accept',
    );
    expect(await refusal(discreet, `Bearer ${await sign(devKey, validClaims({ aud: 'another-api' }))}`)).toBe(
      'the token is meant for another audience than this API',
    );
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`;
    expect(await refusal(discreet, `Bearer ${unsigned}`)).toBe('token signed with an algorithm that is not allowed (none)');
  });

  it('refuses an expired token and one not valid yet', async () => {
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ iat: now() - 3600, exp: now() - 120 }))}`)).toBe('token expired');
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ nbf: now() + 120 }))}`)).toBe(
      'token not yet valid (nbf is in the future)',
    );
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ exp: undefined }))}`)).toBe('missing claim exp');
  });

  it('refuses a token without a tenant or subject', async () => {
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ tenant: undefined }))}`)).toBe('missing claim tenant');
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ tenant: '' }))}`)).toBe('claim tenant must be a non-empty string');
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ tenant: ['acme', 'globex'] }))}`)).toBe(
      'claim tenant must be a non-empty string',
    );
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ sub: undefined }))}`)).toBe('missing claim sub');
  });

  it('refuses an unknown client kind and malformed scopes', async () => {
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ client_kind: 'admin' }))}`)).toBe(
      'unknown client_kind admin: expected user, script, partner',
    );
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ scope: ['pii:read'] }))}`)).toBe(
      'claim scope must be a space-separated string',
    );
    expect(await refusal(authenticator, `Bearer ${await sign(devKey, validClaims({ scope: undefined, scp: [1] }))}`)).toBe(
      'claim scp must be an array of strings',
    );
  });

  it('refuses to be configured with a symmetric or empty algorithm list', async () => {
    await expect(createAuthenticator({ ...config, algorithms: ['RS256', 'HS256'] })).rejects.toThrow(ConfigError);
    await expect(createAuthenticator({ ...config, algorithms: [] })).rejects.toThrow(ConfigError);
  });
});

describe('a token sent again', () => {
  let authenticator: Authenticator;
  let key: SigningKey;

  beforeAll(async () => {
    key = await newKey('ES256', 'key-1');
    const path = join(directory, 'again-jwks.json');
    await writeFile(path, JSON.stringify({ keys: [key.publicJwk] }));
    authenticator = await createAuthenticator(readAuthConfig({ JWKS_FILE: path, JWT_ISSUER: 'palisade-dev', JWT_AUDIENCE: 'palisade' }));
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('is not verified again', async () => {
    const header = `Bearer ${await sign(key, validClaims({ sub: 'again' }))}`;
    verifications.mockClear();
    const first = await authenticator.authenticate(header);
    expect(verifications).toHaveBeenCalledTimes(1);
    const second = await authenticator.authenticate(header);
    expect(second).toEqual(first);
    expect(verifications).toHaveBeenCalledTimes(1);
    // What the next request gets cannot be changed by this one.
    expect(Object.isFrozen(second.principal) && Object.isFrozen(second.principal.scopes)).toBe(true);
  });

  it('is refused once it expires, though it was accepted before', async () => {
    const header = `Bearer ${await sign(key, validClaims({ exp: now() + 60 }))}`;
    await expect(principalOf(authenticator, header)).resolves.toMatchObject({ sub: 'alice' });
    jest.useFakeTimers({ now: Date.now() + 60_000 + 31_000, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });
    expect(await refusal(authenticator, header)).toBe('token expired');
  });

  it('with its signature changed is verified, and refused', async () => {
    const token = await sign(key, validClaims());
    await authenticator.authenticate(`Bearer ${token}`);
    const [header, payload, signature] = token.split('.');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BA' : 'AA');
    expect(await refusal(authenticator, `Bearer ${header}.${payload}.${flipped}`)).toBe('invalid signature');
  });
});

describe('with a JWKS file', () => {
  it('accepts tokens from each key in the file and refuses a key that is not in it', async () => {
    const rsa = await newKey('RS256', 'rsa-1');
    const ed = await newKey('EdDSA', 'ed-1');
    const path = join(directory, 'jwks.json');
    await writeFile(path, JSON.stringify({ keys: [rsa.publicJwk, ed.publicJwk] }));
    const authenticator = await createAuthenticator(readAuthConfig({ JWKS_FILE: path }));
    await expect(principalOf(authenticator, `Bearer ${await sign(rsa, validClaims({ sub: 'script-1', client_kind: 'script' }))}`)).resolves.toMatchObject({
      sub: 'script-1',
      kind: 'script',
    });
    await expect(principalOf(authenticator, `Bearer ${await sign(ed, validClaims())}`)).resolves.toMatchObject({ sub: 'alice' });
    const other = await newKey('RS256', 'rsa-2');
    expect(await refusal(authenticator, `Bearer ${await sign(other, validClaims())}`)).toBe('unknown signing key (kid rsa-2)');
  });

  it('refuses a token without kid when several keys could match', async () => {
    const first = await newKey('RS256', 'rsa-a');
    const second = await newKey('RS256', 'rsa-b');
    const path = join(directory, 'two-rsa-keys.json');
    await writeFile(path, JSON.stringify({ keys: [first.publicJwk, second.publicJwk] }));
    const authenticator = await createAuthenticator(readAuthConfig({ JWKS_FILE: path }));
    expect(await refusal(authenticator, `Bearer ${await sign(first, validClaims(), null)}`)).toMatch(/no kid and several signing keys/);
  });

  it('fails at start, naming JWKS_FILE, when the file is missing or not a key set', async () => {
    await expect(createAuthenticator(readAuthConfig({ JWKS_FILE: join(directory, 'absent.json') }))).rejects.toThrow(/^JWKS_FILE: cannot read/);
    const path = join(directory, 'not-a-key-set.json');
    await writeFile(path, '{"issuer":"https://idp.example/"}');
    await expect(createAuthenticator(readAuthConfig({ JWKS_FILE: path }))).rejects.toThrow(/^JWKS_FILE: .* is not a JSON Web Key Set/);
  });
});

describe('with a remote JWKS', () => {
  let server: Server;
  let url: string;
  let published: JWK[];
  let fetches: number;
  let status: number;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  beforeEach(() => {
    fetches = 0;
    status = 200;
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  it('fetches the key set once, then follows a key rotation after the cooldown', async () => {
    const before = await newKey('RS256', 'key-2025');
    const after = await newKey('ES256', 'key-2026');
    published = [before.publicJwk];
    const authenticator = await createAuthenticator(readAuthConfig({ JWKS_URL: url }));

    await expect(principalOf(authenticator, `Bearer ${await sign(before, validClaims())}`)).resolves.toMatchObject({ tenant: 'acme' });
    await expect(principalOf(authenticator, `Bearer ${await sign(before, validClaims({ tenant: 'globex' }))}`)).resolves.toMatchObject({
      tenant: 'globex',
    });
    expect(fetches).toBe(1);

    published = [after.publicJwk];
    const rotated = `Bearer ${await sign(after, validClaims())}`;
    // Within the cooldown an unknown kid does not refetch: forged kids cannot make the gateway hammer the provider.
    expect(await refusal(authenticator, rotated)).toBe('unknown signing key (kid key-2026)');
    expect(fetches).toBe(1);

    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    await expect(principalOf(authenticator, rotated)).resolves.toMatchObject({ sub: 'alice' });
    expect(fetches).toBe(2);
    expect(await refusal(authenticator, `Bearer ${await sign(before, validClaims())}`)).toBe('unknown signing key (kid key-2025)');
    expect(fetches).toBe(2);
  });

  it('refuses a token it accepted before, once its key has left the key set', async () => {
    const old = await newKey('ES256', 'key-old');
    const next = await newKey('ES256', 'key-next');
    published = [old.publicJwk];
    const authenticator = await createAuthenticator(readAuthConfig({ JWKS_URL: url }));
    const remembered = `Bearer ${await sign(old, validClaims({ sub: 'remembered' }))}`;
    await expect(principalOf(authenticator, remembered)).resolves.toMatchObject({ sub: 'remembered' });
    await expect(principalOf(authenticator, remembered)).resolves.toMatchObject({ sub: 'remembered' });
    expect(fetches).toBe(1);

    published = [next.publicJwk];
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    // A token of the new key makes the gateway fetch the key set again, after the cooldown.
    await expect(principalOf(authenticator, `Bearer ${await sign(next, validClaims())}`)).resolves.toMatchObject({ sub: 'alice' });
    expect(fetches).toBe(2);
    expect(await refusal(authenticator, remembered)).toBe('unknown signing key (kid key-old)');
  });

  it('reports unavailable signing keys, distinct from a bad token, when the key set cannot be fetched', async () => {
    const key = await newKey('ES256', 'key-1');
    published = [key.publicJwk];
    status = 503;
    const authenticator = await createAuthenticator(readAuthConfig({ JWKS_URL: url }));
    const error = await authenticator.authenticate(`Bearer ${await sign(key, validClaims())}`).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SigningKeysUnavailableError);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toMatch(/signing keys could not be fetched/);
    expect(fetches).toBe(1);
  });

  it('reports unavailable signing keys when nothing answers at the JWKS URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const key = await newKey('ES256', 'key-1');
    const authenticator = await createAuthenticator(readAuthConfig({ JWKS_URL: `http://127.0.0.1:${port}/jwks.json` }));
    await expect(authenticator.authenticate(`Bearer ${await sign(key, validClaims())}`)).rejects.toBeInstanceOf(SigningKeysUnavailableError);
  });
});
