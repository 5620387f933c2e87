import { ConfigError } from '../../../lib/errors';
import { DEFAULT_ASSETS_PORT, readAssetsConfig } from '../src/config';

const SECRET = 'x'.repeat(40);

function configError(env: Record<string, string>): ConfigError {
  try {
    readAssetsConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('readAssetsConfig', () => {
  test('development defaults: port 4002 on loopback, the embedded store, demo data at scale 1', () => {
    const config = readAssetsConfig({ PRINCIPAL_SECRET: SECRET });
    expect(config).toMatchObject({ port: DEFAULT_ASSETS_PORT, host: '127.0.0.1', mongodbUrl: undefined, logLevel: 'info', nodeEnv: 'development', demoDataScale: 1 });
    expect(DEFAULT_ASSETS_PORT).toBe(4002);
    expect(config.principalSecret.toString('utf8')).toBe(SECRET);
  });

  test('reads every variable it is given, including a replica set connection string', () => {
    const url = 'mongodb://db1:27017,db2:27017/palisade_assets?replicaSet=rs0';
    const config = readAssetsConfig({ PRINCIPAL_SECRET: SECRET, PORT: '0', HOST: '0.0.0.0', MONGODB_URL: url, LOG_LEVEL: 'debug', DEMO_DATA_SCALE: '0.25' });
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', mongodbUrl: url, logLevel: 'debug', demoDataScale: 0.25 });
  });

  test('production requires MONGODB_URL and seeds nothing by default', () => {
    expect(configError({ NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET }).variable).toBe('MONGODB_URL');
    const config = readAssetsConfig({ NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET, MONGODB_URL: 'mongodb+srv://cluster.example.net/assets' });
    expect(config.demoDataScale).toBe(0);
  });

  test('production requires PRINCIPAL_SECRET', () => {
    expect(configError({ NODE_ENV: 'production', MONGODB_URL: 'mongodb://db:27017' }).variable).toBe('PRINCIPAL_SECRET');
  });

  test.each([
    ['PORT', { PORT: '70000' }],
    ['MONGODB_URL', { MONGODB_URL: 'postgres://db:5432/assets' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DEMO_DATA_SCALE', { DEMO_DATA_SCALE: '-1' }],
    ['DEMO_DATA_SCALE', { DEMO_DATA_SCALE: 'lots' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
  ])('a bad %s fails fast with a ConfigError naming it', (variable, env) => {
    const error = configError({ PRINCIPAL_SECRET: SECRET, ...env });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
  });
});
