import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A token one Palisade service shows another for a purpose that no user's request has, such as the gateway
 * reading a subgraph's change stream. It is signed with PRINCIPAL_SECRET, the secret the gateway and the
 * subgraphs already share, so no new secret has to be distributed.
 */
export const SERVICE_TOKEN_HEADER = 'x-palisade-service-token';

/** Long enough to open a connection with; the connection may outlive it, a captured token soon cannot open another. */
export const SERVICE_TOKEN_TTL_SECONDS = 60;

/** A token whose expiry lies further ahead than this was not minted by a Palisade service: refused. */
const MAX_TTL_SECONDS = 600;

/** Longer headers are refused before anything is decoded. */
const MAX_TOKEN_LENGTH = 512;

/** A purpose is a short lowercase word (`changes`), never free text. */
const PURPOSE = /^[a-z][a-z0-9:-]{0,63}$/;

/**
 * Mixed into the MAC so that a service token and a principal header, both HMACs over base64url JSON under the
 * same secret, can never stand in for each other.
 */
const DOMAIN = 'palisade-service-token.v1.';

interface ServiceTokenPayload {
  purpose: string;
  exp: number;
}

/** Why a service token was refused; the service answers 401 with this reason. */
export class ServiceTokenRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ServiceTokenRejected';
  }
}

/** `<base64url {purpose, exp}>.<base64url HMAC-SHA256>`. */
export function signServiceToken(purpose: string, secret: Buffer, now = Date.now(), ttlSeconds = SERVICE_TOKEN_TTL_SECONDS): string {
  if (!PURPOSE.test(purpose)) throw new TypeError(`a service token purpose is a short lowercase word, not ${JSON.stringify(purpose)}`);
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_TTL_SECONDS)) throw new TypeError(`a service token lives between 1 and ${MAX_TTL_SECONDS} seconds`);
  const payload: ServiceTokenPayload = { purpose, exp: Math.floor(now / 1000) + ttlSeconds };
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** Returns the verified payload, or throws ServiceTokenRejected saying why. */
export function verifyServiceToken(header: string | undefined, purpose: string, secret: Buffer, now = Date.now()): ServiceTokenPayload {
  if (!header) throw new ServiceTokenRejected(`missing ${SERVICE_TOKEN_HEADER} header: only Palisade services may read this`);
  if (header.length > MAX_TOKEN_LENGTH) throw new ServiceTokenRejected('malformed service token');
  const [body, signature, extra] = header.split('.');
  if (!body || !signature || extra !== undefined) throw new ServiceTokenRejected('malformed service token');
  const expected = Buffer.from(mac(body, secret), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new ServiceTokenRejected('invalid service token signature');
  let payload: Partial<ServiceTokenPayload>;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<ServiceTokenPayload>;
  } catch {
    throw new ServiceTokenRejected('malformed service token');
  }
  if (typeof payload !== 'object' || payload === null || typeof payload.exp !== 'number' || typeof payload.purpose !== 'string') {
    throw new ServiceTokenRejected('malformed service token');
  }
  if (payload.exp * 1000 < now) throw new ServiceTokenRejected('expired service token');
  if (payload.exp * 1000 > now + MAX_TTL_SECONDS * 1000) throw new ServiceTokenRejected('service token expires too far ahead');
  if (payload.purpose !== purpose) throw new ServiceTokenRejected(`service token is for ${JSON.stringify(payload.purpose)}, not ${JSON.stringify(purpose)}`);
  return { purpose: payload.purpose, exp: payload.exp };
}

function mac(body: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(DOMAIN).update(body).digest('base64url');
}
