import type { Environment } from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';
import { CLIENT_KINDS, type ClientKind } from '../../../lib/principal';

/** INTROSPECTION: the client kinds that may read the schema; by default users and scripts outside production, nobody in production. */
export function readIntrospectionKinds(env: Environment, production: boolean): Set<ClientKind> {
  const raw = env.INTROSPECTION;
  if (raw === undefined) return new Set<ClientKind>(production ? [] : ['user', 'script']);
  const kinds = raw.split(',').map((k) => k.trim()).filter((k) => k !== '' && k !== 'none');
  for (const kind of kinds) {
    if (!(CLIENT_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError('INTROSPECTION', `unknown client kind "${kind}"; expected a comma-separated list of ${CLIENT_KINDS.join(', ')}, or none`);
    }
  }
  return new Set(kinds as ClientKind[]);
}
