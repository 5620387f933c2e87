import { ConfigError } from '../../../lib/errors';
import { readIncidentsConfig } from '../src/config';

const SECRET = 'a-principal-secret-of-at-least-32-chars';

function rejectedVariable(env: Record<string, string>): string {
  try {
    readIncidentsConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.variable;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('readIncidentsConfig', () => {
  it('defaults to port 4003 on loopback, the embedded store and demo data at scale 1 outside production', () => {
    expect(readIncidentsConfig({ PRINCIPAL_SECRET: SECRET })).toMatchObject({
      port: 4003,
      host: '127.0.0.1',
      mongodbUrl: undefined,
      logLevel: 'info',
      nodeEnv: 'development',
      demoDataScale: 1,
    });
  });

  it('reads every variable', () => {
    const config = readIncidentsConfig({
      PRINCIPAL_SECRET: SECRET,
      PORT: '0',
      HOST: '0.0.0.0',
      MONGODB_URL: 'mongodb://db1:27017,db2:27017/incidents?replicaSet=rs0',
      LOG_LEVEL: 'debug',
      DEMO_DATA_SCALE: '0.25',
    });
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', mongodbUrl: 'mongodb://db1:27017,db2:27017/incidents?replicaSet=rs0', logLevel: 'debug', demoDataScale: 0.25 });
    expect(config.principalSecret.toString('utf8')).toBe(SECRET);
  });

  it('seeds nothing by default in production', () => {
    expect(readIncidentsConfig({ NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET, MONGODB_URL: 'mongodb://db:27017' }).demoDataScale).toBe(0);
  });

  it.each<[string, Record<string, string>, string]>([
    ['production without MONGODB_URL', { NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET }, 'MONGODB_URL'],
    ['production without PRINCIPAL_SECRET', { NODE_ENV: 'production', MONGODB_URL: 'mongodb://db:27017' }, 'PRINCIPAL_SECRET'],
    ['a short PRINCIPAL_SECRET', { PRINCIPAL_SECRET: 'short' }, 'PRINCIPAL_SECRET'],
    ['a MONGODB_URL of another scheme', { PRINCIPAL_SECRET: SECRET, MONGODB_URL: 'postgres://db:5432/x' }, 'MONGODB_URL'],
    ['a PORT out of range', { PRINCIPAL_SECRET: SECRET, PORT: '70000' }, 'PORT'],
    ['an unknown LOG_LEVEL', { PRINCIPAL_SECRET: SECRET, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a negative DEMO_DATA_SCALE', { PRINCIPAL_SECRET: SECRET, DEMO_DATA_SCALE: '-1' }, 'DEMO_DATA_SCALE'],
    ['a DEMO_DATA_SCALE that is not a number', { PRINCIPAL_SECRET: SECRET, DEMO_DATA_SCALE: 'lots' }, 'DEMO_DATA_SCALE'],
  ])('fails fast on %s, naming the variable', (_, env, variable) => {
    expect(rejectedVariable(env)).toBe(variable);
  });
});
