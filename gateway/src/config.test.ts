import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/errors';
import { readGatewayConfig } from '../src/config';

const dataDir = mkdtempSync(join(tmpdir(), 'palisade-gateway-config-'));
const SECRET = 'a-principal-secret-of-at-least-32-characters';

function configError(env: Record<string, string>): ConfigError {
  try {
    readGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('serves on 127.0.0.1:4000 with local subgraphs, the committed supergraph and the development key by default', () => {
    const config = readGatewayConfig({ PALISADE_DATA_DIR: dataDir });
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.supergraphPath).toBe('schema/supergraph.graphql');
    expect(config.subgraphUrls).toEqual({
      identity: 'http://127.0.0.1:4001/graphql',
      assets: 'http://127.0.0.1:4002/graphql',
      incidents: 'http://127.0.0.1:4003/graphql',
    });
    expect(config.authorizationMode).toBe('filter');
    expect(config.auth.keySource).toEqual({ kind: 'development', directory: dataDir });
    expect(config.principalSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('takes the subgraph URLs, port and secret from the environment', () => {
    const config = readGatewayConfig({
      PALISADE_DATA_DIR: dataDir,
      PORT: '0',
      IDENTITY_URL: 'http://identity:4001/graphql',
      ASSETS_URL: 'https://assets.internal/graphql',
      INCIDENTS_URL: 'http://incidents:4003/graphql',
      PRINCIPAL_SECRET: SECRET,
    });
    expect(config.port).toBe(0);
    expect(config.subgraphUrls.assets).toBe('https://assets.internal/graphql');
    expect(config.principalSecret.toString('utf8')).toBe(SECRET);
  });

  it.each([
    ['PORT', { PORT: '70000' }],
    ['IDENTITY_URL', { IDENTITY_URL: 'not a url' }],
    ['ASSETS_URL', { ASSETS_URL: 'ftp://assets/graphql' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['AUTHORIZATION_MODE', { AUTHORIZATION_MODE: 'allow-all' }],
    ['PRINCIPAL_SECRET', { PRINCIPAL_SECRET: 'short' }],
  ])('refuses a bad %s, naming it', (variable, env) => {
    expect(configError({ PALISADE_DATA_DIR: dataDir, ...env }).variable).toBe(variable);
  });

  it('refuses to start in production without a principal secret or a key source', () => {
    expect(configError({ NODE_ENV: 'production' }).variable).toBe('PRINCIPAL_SECRET');
    expect(configError({ NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET }).variable).toBe('JWKS_URL');
  });
});
