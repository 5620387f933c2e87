import { parseArgs } from 'node:util';
import { readAuthConfig } from '../lib/authentication/config';
import { signDevelopmentToken } from '../lib/authentication/development-key';
import { ConfigError } from '../lib/errors';
import type { Principal } from '../lib/principal';

const USAGE = `Prints a development JWT that the embedded gateway and intake accept.

Usage: npm run token -- --sub <subject> --tenant <tenant> [--scopes "<scope> <scope>"] [--client <client id>]
                        [--kind user|script|partner] [--expires <number>s|m|h|d]

  --sub       who the token is for, e.g. alice                       (required)
  --tenant    the tenant the token may read, e.g. acme               (required)
  --scopes    space-separated scopes, e.g. "incidents:read pii:read" (default: none);
              "ingest:write" makes a token that sends events to the intake (npm start's :4004)
  --client    the client_id claim, e.g. partner-x
  --kind      the client kind: user, script or partner               (default: user)
  --expires   lifetime such as 30m, 8h or 7d                         (default: 1h)

The key is the development key in PALISADE_DATA_DIR (default .palisade); the issuer and audience follow
JWT_ISSUER and JWT_AUDIENCE like the gateway does.`;

const KINDS: readonly Principal['kind'][] = ['user', 'script', 'partner'];

/** A mistake in how the command was called: reported with the usage and exit code 2. */
class UsageError extends Error {}

function parseCommandLine(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        sub: { type: 'string' },
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        client: { type: 'string' },
        kind: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const sub = values.sub?.trim();
  const tenant = values.tenant?.trim();
  if (!sub) throw new UsageError('--sub is required');
  if (!tenant) throw new UsageError('--tenant is required');
  const kind = values.kind ?? 'user';
  if (!KINDS.includes(kind as Principal['kind'])) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got "${kind}"`);
  const expiresIn = values.expires ?? '1h';
  if (!/^[1-9]\d*[smhd]$/.test(expiresIn)) throw new UsageError(`--expires must be a number followed by s, m, h or d (such as 8h), got "${expiresIn}"`);
  const clientId = values.client?.trim();
  if (clientId === '') throw new UsageError('--client must not be empty');
  return {
    sub,
    tenant,
    scopes: (values.scopes ?? '').split(/\s+/).filter((scope) => scope !== ''),
    kind: kind as Principal['kind'],
    clientId,
    expiresIn,
  };
}

async function main(): Promise<void> {
  const request = parseCommandLine(process.argv.slice(2));
  if (!request) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const auth = readAuthConfig(process.env);
  if (auth.keySource.kind !== 'development') {
    const variable = auth.keySource.kind === 'jwks-url' ? 'JWKS_URL' : 'JWKS_FILE';
    throw new ConfigError(variable, 'is set, so the gateway accepts tokens from your identity provider only; unset it to use the development key');
  }
  const token = await signDevelopmentToken({ ...request, directory: auth.keySource.directory, issuer: auth.issuer, audience: auth.audience });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  throw error;
});
