import { readAuthConfig } from '../config';
import { ConfigError } from '../../errors';

/** The ConfigError that reading this environment throws. */
function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    readAuthConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected readAuthConfig to throw a ConfigError');
}

describe('readAuthConfig', () => {
  it('uses the development key in the data directory and the development issuer and audience by default', () => {
    expect(readAuthConfig({ PALISADE_DATA_DIR: '/tmp/palisade-data' })).toEqual({
      issuer: 'palisade-dev',
      audience: 'palisade',
      keySource: { kind: 'development', directory: '/tmp/palisade-data' },
      clockToleranceSeconds: 30,
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      revealExpectations: true,
    });
  });

  it('reads JWKS_URL, JWKS_FILE, JWT_ISSUER and JWT_AUDIENCE', () => {
    const env = { JWKS_URL: 'https://idp.example/.well-known/jwks.json', JWT_ISSUER: 'https://idp.example/', JWT_AUDIENCE: 'api://palisade' };
    expect(readAuthConfig(env)).toMatchObject({
      issuer: 'https://idp.example/',
      audience: 'api://palisade',
      keySource: { kind: 'jwks-url', url: env.JWKS_URL },
    });
    expect(readAuthConfig({ JWKS_FILE: '/etc/palisade/jwks.json' }).keySource).toEqual({ kind: 'jwks-file', path: '/etc/palisade/jwks.json' });
  });

  it('refuses a JWKS_URL that is not an http(s) URL, and both key sources at once', () => {
    expect(configErrorOf({ JWKS_URL: 'not a url' }).variable).toBe('JWKS_URL');
    expect(configErrorOf({ JWKS_URL: 'ftp://idp.example/jwks' }).variable).toBe('JWKS_URL');
    expect(configErrorOf({ JWKS_URL: 'https://idp.example/jwks', JWKS_FILE: 'jwks.json' }).variable).toBe('JWKS_FILE');
  });

  it('never falls back to the development key in production', () => {
    const error = configErrorOf({ NODE_ENV: 'production', JWT_ISSUER: 'https://idp.example/', JWT_AUDIENCE: 'palisade' });
    expect(error.variable).toBe('JWKS_URL');
    expect(error.message).toMatch(/required when NODE_ENV=production/);
  });

  it('requires the issuer and audience in production, and https for the JWKS', () => {
    const production = { NODE_ENV: 'production', JWKS_URL: 'https://idp.example/jwks', JWT_ISSUER: 'https://idp.example/', JWT_AUDIENCE: 'palisade' };
    expect(readAuthConfig(production).keySource).toEqual({ kind: 'jwks-url', url: 'https://idp.example/jwks' });
    // A refusal names what was expected only outside production: there it would describe the configuration to anyone.
    expect(readAuthConfig(production).revealExpectations).toBe(false);
    expect(configErrorOf({ ...production, JWT_ISSUER: undefined }).variable).toBe('JWT_ISSUER');
    expect(configErrorOf({ ...production, JWT_AUDIENCE: '' }).variable).toBe('JWT_AUDIENCE');
    expect(configErrorOf({ ...production, JWKS_URL: 'http://idp.example/jwks' }).message).toMatch(/https/);
  });
});
