import type { Environment } from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';

/** Outside production: any port of the loopback hosts, where dev servers (Vite, webpack) serve pages. */
export const DEVELOPMENT_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

/**
 * CORS_ORIGINS: the origins whose pages may call the gateway, comma-separated: exact origins
 * (https://soc.example.com) or with any port (http://localhost:*); `none` for none. Outside production it
 * defaults to the loopback hosts on any port; in production to none.
 */
export function readCorsOrigins(env: Environment, production: boolean): string[] {
  const raw = env.CORS_ORIGINS;
  if (raw === undefined || raw === '') return production ? [] : [...DEVELOPMENT_ORIGINS];
  const origins = raw.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '' && origin !== 'none');
  for (const origin of origins) {
    if (!/^https?:\/\/[^/*\s]+(:(\d+|\*))?$/.test(origin)) {
      throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin: expected scheme://host[:port], with * for any port, e.g. https://soc.example.com or http://localhost:*`);
    }
  }
  return origins;
}
