import { ConfigError } from './errors';

/** The schemes the NATS client connects with. */
const NATS_PROTOCOLS = ['nats:', 'tls:'];

/** What the NATS client needs of NATS_URL: the servers, and the credentials the URL carries. */
export interface NatsServerOptions {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * NATS_URL, one server or a comma-separated list, as the NATS client takes it. The client ignores credentials
 * written in a URL, so they are lifted out here: `nats://user:password@host:4222` gives user and password,
 * `nats://token@host:4222` a token. Every server of the list must carry the same credentials, or none.
 */
export function natsServerOptions(url: string, variable = 'NATS_URL'): NatsServerOptions {
  const servers: string[] = [];
  let credentials: { user: string; pass: string } | undefined;
  for (const server of url.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    let parsed: URL;
    try {
      parsed = new URL(server.includes('://') ? server : `nats://${server}`);
    } catch {
      throw new ConfigError(variable, `"${redactNatsUrl(server)}" is not a server URL; expected nats://host:4222`);
    }
    if (!NATS_PROTOCOLS.includes(parsed.protocol)) throw new ConfigError(variable, `"${redactNatsUrl(server)}" is not a NATS server URL; expected nats://host:4222 (or tls://)`);
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    if (user !== '' || pass !== '') {
      if (credentials && (credentials.user !== user || credentials.pass !== pass)) throw new ConfigError(variable, 'the servers carry different credentials; give every server the same ones');
      credentials = { user, pass };
    }
    servers.push(`${parsed.protocol}//${parsed.host}`);
  }
  if (servers.length === 0) throw new ConfigError(variable, 'names no server; expected nats://host:4222');
  if (!credentials) return { servers };
  return credentials.pass === '' ? { servers, token: credentials.user } : { servers, user: credentials.user, pass: credentials.pass };
}

/** Server URLs as they may be shown: without user and password. */
export function redactNatsUrl(url: string): string {
  return url.replace(/\/\/[^@/,]*@/g, '//[redacted]@');
}

/** NATS_URL when set, checked at start (each server a URL, one set of credentials); undefined when unset. */
export function readNatsUrl(env: Record<string, string | undefined>): string | undefined {
  const raw = env.NATS_URL;
  if (raw === undefined || raw === '') return undefined;
  natsServerOptions(raw);
  return raw;
}
