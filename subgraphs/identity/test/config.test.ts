import { ConfigError } from '../../../lib/errors';
import { readIdentityConfig } from '../src/config';

const SECRET = 'x'.repeat(40);

describe('identity configuration', () => {
  it('defaults to port 4001 on loopback, PGlite, and demo data outside production', () => {
    expect(readIdentityConfig({ PRINCIPAL_SECRET: SECRET })).toMatchObject({
      port: 4001,
      host: '127.0.0.1',
      databaseUrl: undefined,
      logLevel: 'info',
      nodeEnv: 'development',
      demoDataScale: 1,
    });
  });

  it('reads every variable it is given', () => {
    const config = readIdentityConfig({
      PRINCIPAL_SECRET: SECRET,
      PORT: '5001',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://identity@db:5432/identity',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      DEMO_DATA_SCALE: '0.5',
    });
    expect(config).toMatchObject({ port: 5001, host: '0.0.0.0', databaseUrl: 'postgresql://identity@db:5432/identity', logLevel: 'debug', nodeEnv: 'production', demoDataScale: 0.5 });
    expect(config.principalSecret.toString('utf8')).toBe(SECRET);
  });

  it('seeds no demo data in production unless asked to', () => {
    expect(readIdentityConfig({ PRINCIPAL_SECRET: SECRET, NODE_ENV: 'production', DATABASE_URL: 'postgres://db/identity' }).demoDataScale).toBe(0);
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://db/identity' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DEMO_DATA_SCALE: '-1' }, 'DEMO_DATA_SCALE'],
    [{ DEMO_DATA_SCALE: 'lots' }, 'DEMO_DATA_SCALE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PRINCIPAL_SECRET: 'short' }, 'PRINCIPAL_SECRET'],
  ])('fails fast on %j, naming %s', (env, variable) => {
    let error: unknown;
    try {
      readIdentityConfig({ PRINCIPAL_SECRET: SECRET, ...env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});
