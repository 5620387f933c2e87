import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { ConfigError } from '../errors';
import type { Principal } from '../principal';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from './config';

export const DEVELOPMENT_KEY_FILE = 'dev-signing-key.json';
const ALGORITHM = 'ES256';

export interface DevelopmentKey {
  privateKey: KeyLike;
  /** The public half, with kid, alg and use: what a JWKS would publish. */
  publicJwk: JWK;
  kid: string;
}

/**
 * The key pair that signs development tokens: generated once into <directory>/dev-signing-key.json and
 * reused afterwards, so tokens from `npm run token` stay valid across gateway restarts.
 */
export async function loadOrCreateDevelopmentKey(directory: string): Promise<DevelopmentKey> {
  const file = join(directory, DEVELOPMENT_KEY_FILE);
  try {
    return await parseKeyFile(file, await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await publishOnce(file, JSON.stringify(await generateKeyJwk(), null, 2));
  return parseKeyFile(file, await readFile(file, 'utf8'));
}

export interface DevelopmentTokenOptions {
  directory: string;
  sub: string;
  tenant: string;
  scopes: string[];
  kind?: Principal['kind'];
  clientId?: string;
  /** A jose time span such as "30m", "8h" or "7d"; one hour when omitted. */
  expiresIn?: string;
  issuer?: string;
  audience?: string;
}

/** A JWT that a gateway using the development key in the same directory accepts. */
export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  const { privateKey, kid } = await loadOrCreateDevelopmentKey(options.directory);
  const claims: Record<string, string> = {
    tenant: options.tenant,
    scope: options.scopes.join(' '),
    client_kind: options.kind ?? 'user',
  };
  if (options.clientId !== undefined) claims.client_id = options.clientId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer ?? DEVELOPMENT_ISSUER)
    .setAudience(options.audience ?? DEVELOPMENT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(privateKey);
}

async function generateKeyJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' };
}

/**
 * Writes the file only if it does not exist yet, and never lets a reader see it half written: the content
 * goes to a private temporary file first and is then hard-linked into place, which fails with EEXIST when
 * another process (a second gateway, `npm run token`) got there first. Everyone then reads the winner's key.
 */
async function publishOnce(file: string, content: string): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { flag: 'wx', mode: 0o600 });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
}

async function parseKeyFile(file: string, content: string): Promise<DevelopmentKey> {
  const jwk = readPrivateJwk(content);
  const privateKey = jwk && ((await importJWK(jwk, ALGORITHM).catch(() => undefined)) as KeyLike | undefined);
  if (!jwk || !privateKey) {
    throw new ConfigError('PALISADE_DATA_DIR', `${file} is not a Palisade development signing key; delete it and a new one is generated`);
  }
  const { kty, crv, x, y, kid } = jwk;
  return { privateKey, publicJwk: { kty, crv, x, y, kid, alg: ALGORITHM, use: 'sig' }, kid };
}

function readPrivateJwk(content: string): (JWK & { kid: string }) | undefined {
  try {
    const jwk = JSON.parse(content) as JWK;
    const isKey = jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.d === 'string' && typeof jwk.kid === 'string';
    return isKey ? { ...jwk, kid: jwk.kid as string } : undefined;
  } catch {
    return undefined;
  }
}
