import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './errors';
import { readNodeEnv, type Environment } from './config';

/** The kinds of client a token names (claim client_kind): people in a browser, scripts, partners. */
export const CLIENT_KINDS = ['user', 'script', 'partner'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** Who is asking, as the gateway verified it. Subgraphs take the tenant from here and from nowhere else. */
export interface Principal {
  sub: string;
  tenant: string;
  kind: ClientKind;
  scopes: string[];
  clientId?: string;
}

/**
 * Whom budgets and bounds count as one caller, within its tenant: a person by subject, whichever application
 * their token was issued to (every analyst's token of one frontend names the same client), and a script or
 * partner by its client, or its subject when the token names none.
 */
export function callerOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.sub : (principal.clientId ?? principal.sub);
}

/** The header that carries the principal from the gateway to the subgraphs. */
export const PRINCIPAL_HEADER = 'x-palisade-principal';

/** Long enough for one request's fetches; short enough that a captured header is soon useless. */
export const PRINCIPAL_TTL_SECONDS = 60;

interface SignedPayload extends Principal {
  exp: number;
}

/** Why a principal header was refused; the subgraph answers 401 with this reason. */
export class PrincipalRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PrincipalRejected';
  }
}

/**
 * Everything a subgraph learns about the principal, as one string: two requests with equal keys are
 * answered alike by every subgraph, so work in flight for one may answer the other. Built once per principal
 * object (a request asks for it on every subgraph fetch); principals are never changed once verified.
 */
export function principalKey(principal: Principal): string {
  let key = principalKeys.get(principal);
  if (key === undefined) {
    key = JSON.stringify([principal.tenant, principal.sub, principal.kind, principal.clientId ?? null, [...principal.scopes].sort()]);
    principalKeys.set(principal, key);
  }
  return key;
}

const principalKeys = new WeakMap<Principal, string>();

/** `<base64url payload>.<base64url HMAC-SHA256>`, signed with the secret the gateway shares with subgraphs. */
export function signPrincipal(principal: Principal, secret: Buffer, now = Date.now(), ttlSeconds = PRINCIPAL_TTL_SECONDS): string {
  const payload: SignedPayload = { ...principal, exp: Math.floor(now / 1000) + ttlSeconds };
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

export function verifyPrincipal(header: string | undefined, secret: Buffer, now = Date.now()): Principal {
  return verifySigned(header, secret, now).principal;
}

function verifySigned(header: string | undefined, secret: Buffer, now: number): { principal: Principal; expiresAt: number } {
  if (!header) throw new PrincipalRejected(`missing ${PRINCIPAL_HEADER} header: subgraphs answer only requests signed by the gateway`);
  const [body, signature, extra] = header.split('.');
  if (!body || !signature || extra !== undefined) throw new PrincipalRejected('malformed principal header');
  const expected = Buffer.from(mac(body, secret), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new PrincipalRejected('invalid principal signature');
  let payload: SignedPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SignedPayload;
  } catch {
    throw new PrincipalRejected('malformed principal header');
  }
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < now) throw new PrincipalRejected('expired principal header');
  if (typeof payload.tenant !== 'string' || payload.tenant === '' || typeof payload.sub !== 'string') {
    throw new PrincipalRejected('principal header without a tenant or subject');
  }
  const principal: Principal = {
    sub: payload.sub,
    tenant: payload.tenant,
    kind: payload.kind,
    scopes: Array.isArray(payload.scopes) ? payload.scopes : [],
    clientId: payload.clientId,
  };
  return { principal, expiresAt: payload.exp * 1000 };
}

/**
 * verifyPrincipal that remembers the headers it accepted until they expire. The gateway sends one header per
 * principal for half its life (gateway/src/principal-forwarding), so a subgraph checks each signature once
 * rather than on every request. Only headers that passed are remembered: an unknown header is verified in full.
 */
export function principalVerifier(secret: Buffer, maxHeaders = 10_000, clock: () => number = Date.now): (header: string | undefined) => Principal {
  const accepted = new LRUCache<string, { principal: Principal; expiresAt: number }>({ max: maxHeaders });
  return (header) => {
    const now = clock();
    const known = header === undefined ? undefined : accepted.get(header);
    if (known && now <= known.expiresAt) return known.principal;
    const verified = verifySigned(header, secret, now);
    // Every request with this header shares the principal: frozen, so none can change it for the others.
    Object.freeze(verified.principal.scopes);
    Object.freeze(verified.principal);
    accepted.set(header!, verified);
    return verified.principal;
  };
}

function mac(body: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

/**
 * The secret shared by the gateway and the subgraphs: PRINCIPAL_SECRET (at least 32 characters). Outside
 * production, when it is unset, every service on the machine shares one generated into the data directory,
 * so `npm start` and a service started alone agree without configuration.
 */
export function readPrincipalSecret(env: Environment): Buffer {
  const configured = env.PRINCIPAL_SECRET;
  if (configured) {
    if (configured.length < 32) throw new ConfigError('PRINCIPAL_SECRET', 'must be at least 32 characters; generate one with `openssl rand -base64 48`');
    return Buffer.from(configured, 'utf8');
  }
  if (readNodeEnv(env) === 'production') {
    throw new ConfigError('PRINCIPAL_SECRET', 'is required when NODE_ENV=production: the gateway signs the principal it sends to subgraphs with it');
  }
  const file = `${dataDirectory(env)}/principal-secret`;
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  } catch {
    mkdirSync(dirname(file), { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    // wx: when two services start at once, the second one reads the first one's secret instead.
    try {
      writeFileSync(file, secret, { flag: 'wx', mode: 0o600 });
      return Buffer.from(secret, 'utf8');
    } catch {
      return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
    }
  }
}

/** Where embedded services keep what must survive a restart (development keys). */
export function dataDirectory(env: Environment): string {
  return env.PALISADE_DATA_DIR || '.palisade';
}
