import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/errors';
import { readGatewayConfig } from './config';

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
  it('serves on 127.0.0.1:4000, the subgraphs where the supergraph says, the committed supergraph and the development key by default', () => {
    const config = readGatewayConfig({ PALISADE_DATA_DIR: dataDir });
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.metricsPort).toBe(9400);
    expect(config.metricsHost).toBe('127.0.0.1');
    expect(config.supergraphPath).toBe('schema/supergraph.graphql');
    // Without an override each subgraph is called at the URL its join__graph gives.
    expect(config.subgraphUrls.resolve('identity', 'http://127.0.0.1:4001/graphql')).toBe('http://127.0.0.1:4001/graphql');
    expect(config.subgraphUrls.resolve('threat-intel', 'http://intel:4010/graphql')).toBe('http://intel:4010/graphql');
    expect(config.authorizationMode).toBe('filter');
    expect(config.authentication.tokens.keySource).toEqual({ kind: 'development', directory: dataDir });
    expect(config.principalSecret.length).toBeGreaterThanOrEqual(32);
    expect(config).toMatchObject({ redisUrl: undefined, auditLog: 'stdout', batchMaxOperations: 0, deduplication: true });
  });

  it('takes the subgraph URLs, port and secret from the environment', () => {
    const config = readGatewayConfig({
      PALISADE_DATA_DIR: dataDir,
      PORT: '0',
      METRICS_PORT: '0',
      IDENTITY_URL: 'http://identity:4001/graphql',
      ASSETS_URL: 'https://assets.internal/graphql',
      SUBGRAPH_INCIDENTS_URL: 'http://incidents:4003/graphql',
      PRINCIPAL_SECRET: SECRET,
    });
    expect(config.port).toBe(0);
    expect(config.metricsPort).toBe(0);
    expect(config.subgraphUrls.resolve('assets', 'http://127.0.0.1:4002/graphql')).toBe('https://assets.internal/graphql');
    expect(config.subgraphUrls.resolve('incidents', 'http://127.0.0.1:4003/graphql')).toBe('http://incidents:4003/graphql');
    expect(config.principalSecret.toString('utf8')).toBe(SECRET);
  });

  it.each([
    ['PORT', { PORT: '70000' }],
    ['IDENTITY_URL', { IDENTITY_URL: 'not a url' }],
    ['ASSETS_URL', { ASSETS_URL: 'ftp://assets/graphql' }],
    ['SUBGRAPH_THREAT_INTEL_URL', { SUBGRAPH_THREAT_INTEL_URL: 'intel:4010' }],
    ['METRICS_PORT', { METRICS_PORT: '-1' }],
    ['REDIS_URL', { REDIS_URL: 'http://redis:6379' }],
    ['CLIENT_POLICIES', { CLIENT_POLICIES: '{"partner": {"maxCost": 0}}' }],
    ['BATCH_MAX_OPERATIONS', { BATCH_MAX_OPERATIONS: 'many' }],
    ['DEDUPLICATION', { DEDUPLICATION: 'sometimes' }],
    ['INTROSPECTION', { INTROSPECTION: 'admin' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['AUTHORIZATION_MODE', { AUTHORIZATION_MODE: 'allow-all' }],
    ['PRINCIPAL_SECRET', { PRINCIPAL_SECRET: 'short' }],
  ])('refuses a bad %s, naming it', (variable, env) => {
    expect(configError({ PALISADE_DATA_DIR: dataDir, ...env }).variable).toBe(variable);
  });

  it('refuses to start in production without a principal secret, a key source or Redis', () => {
    expect(configError({ NODE_ENV: 'production' }).variable).toBe('PRINCIPAL_SECRET');
    expect(configError({ NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET }).variable).toBe('JWKS_URL');
    const withKeys = { NODE_ENV: 'production', PRINCIPAL_SECRET: SECRET, JWKS_URL: 'https://idp.example/jwks', JWT_ISSUER: 'https://idp.example/', JWT_AUDIENCE: 'palisade' };
    expect(configError(withKeys).variable).toBe('REDIS_URL');
    expect(readGatewayConfig({ ...withKeys, REDIS_URL: 'redis://redis:6379' })).toMatchObject({ nodeEnv: 'production', redisUrl: 'redis://redis:6379' });
  });

  it('gives each behaviour its own section of CLIENT_POLICIES', () => {
    const config = readGatewayConfig({
      PALISADE_DATA_DIR: dataDir,
      CLIENT_POLICIES: JSON.stringify({ partner: { limits: { maxDepth: 5 }, maxCost: 8000, rateLimit: { requests: 300 } } }),
    });
    expect(config.operationLimits.partner.maxDepth).toBe(5);
    expect(config.operationLimits.user.maxDepth).toBe(12);
    expect(config.maxCost).toEqual({ user: 10_000, script: 10_000, partner: 8000 });
    expect(config.rateLimits.budgets.partner).toEqual({ requests: 300, cost: 200_000, windowMs: 60_000 });
  });
});
