import { ConfigError } from './errors';

export type Environment = Record<string, string | undefined>;

/** Reads a TCP port; 0 asks the system for a free one (tests). */
export function readPort(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(name, `expected a port number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

export function readUrl(env: Environment, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected a URL such as ${protocols[0]}//host:port, got an unparseable value`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `expected a URL with scheme ${protocols.join(' or ')}, got ${url.protocol}`);
  }
  return raw;
}

export function readEnum<T extends string>(env: Environment, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

export function readPositiveInt(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(name, `expected a positive integer, got "${raw}"`);
  return value;
}

/** Reads a count where 0 is meaningful (0 retries turns retrying off). */
export function readNonNegativeInt(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(name, `expected an integer of 0 or more, got "${raw}"`);
  return value;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type NodeEnv = 'development' | 'production' | 'test';

export function readNodeEnv(env: Environment): NodeEnv {
  return readEnum(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
}

/**
 * In production nothing falls back to an embedded default silently: a store or key that is not configured
 * is an error at start.
 */
export function requireInProduction(env: Environment, name: string, what: string): void {
  if (readNodeEnv(env) === 'production' && !env[name]) {
    throw new ConfigError(name, `is required when NODE_ENV=production (${what}); the embedded default serves only development`);
  }
}
