import { ConfigError } from '../../lib/errors';
import { DEFAULT_QUERY_TIMEOUT_MS, readSubgraphSettings } from '../config';

const SECRET = 'a-principal-secret-of-at-least-32-chars';
const PORTS = { port: 4100, metricsPort: 9500 };

function rejectedVariable(env: Record<string, string>): { variable: string; message: string } {
  try {
    readSubgraphSettings(env, PORTS);
  } catch (error) {
    if (error instanceof ConfigError) return { variable: error.variable, message: error.message };
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the settings every subgraph reads', () => {
  it('defaults to its ports on loopback, metrics beside them, a 5 s query deadline and demo data at scale 1 outside production', () => {
    expect(readSubgraphSettings({ PRINCIPAL_SECRET: SECRET }, PORTS)).toMatchObject({
      host: '127.0.0.1',
      port: 4100,
      metricsHost: '127.0.0.1',
      metricsPort: 9500,
      logLevel: 'info',
      nodeEnv: 'development',
      demoDataScale: 1,
      queryTimeoutMs: 5000,
    });
    expect(DEFAULT_QUERY_TIMEOUT_MS).toBe(5000);
  });

  it('reads every variable it is given', () => {
    const settings = readSubgraphSettings(
      { PRINCIPAL_SECRET: SECRET, HOST: '0.0.0.0', PORT: '0', METRICS_HOST: '10.0.0.5', METRICS_PORT: '0', LOG_LEVEL: 'debug', NODE_ENV: 'test', DEMO_DATA_SCALE: '0.25', QUERY_TIMEOUT_MS: '750' },
      PORTS,
    );
    expect(settings).toMatchObject({ host: '0.0.0.0', port: 0, metricsHost: '10.0.0.5', metricsPort: 0, logLevel: 'debug', nodeEnv: 'test', demoDataScale: 0.25, queryTimeoutMs: 750 });
    expect(settings.principalSecret.toString('utf8')).toBe(SECRET);
  });

  it('serves metrics on the service host unless METRICS_HOST says otherwise', () => {
    expect(readSubgraphSettings({ PRINCIPAL_SECRET: SECRET, HOST: '0.0.0.0' }, PORTS).metricsHost).toBe('0.0.0.0');
  });

  it('seeds no demo data in production unless asked to', () => {
    expect(readSubgraphSettings({ PRINCIPAL_SECRET: SECRET, NODE_ENV: 'production' }, PORTS).demoDataScale).toBe(0);
    expect(readSubgraphSettings({ PRINCIPAL_SECRET: SECRET, NODE_ENV: 'production', DEMO_DATA_SCALE: '0.1' }, PORTS).demoDataScale).toBe(0.1);
  });

  it.each<[string, Record<string, string>, string]>([
    ['production without PRINCIPAL_SECRET', { NODE_ENV: 'production', PRINCIPAL_SECRET: '' }, 'PRINCIPAL_SECRET'],
    ['a short PRINCIPAL_SECRET', { PRINCIPAL_SECRET: 'short' }, 'PRINCIPAL_SECRET'],
    ['a PORT out of range', { PORT: '70000' }, 'PORT'],
    ['a METRICS_PORT that is not a port', { METRICS_PORT: 'metrics' }, 'METRICS_PORT'],
    ['a METRICS_PORT equal to PORT', { PORT: '4100', METRICS_PORT: '4100' }, 'METRICS_PORT'],
    ['a QUERY_TIMEOUT_MS of 0', { QUERY_TIMEOUT_MS: '0' }, 'QUERY_TIMEOUT_MS'],
    ['a QUERY_TIMEOUT_MS that is not a whole number', { QUERY_TIMEOUT_MS: '2.5s' }, 'QUERY_TIMEOUT_MS'],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['a negative DEMO_DATA_SCALE', { DEMO_DATA_SCALE: '-1' }, 'DEMO_DATA_SCALE'],
    ['a DEMO_DATA_SCALE that is not a number', { DEMO_DATA_SCALE: 'lots' }, 'DEMO_DATA_SCALE'],
  ])('fails fast on %s, naming the variable', (_, env, variable) => {
    const rejected = rejectedVariable({ PRINCIPAL_SECRET: SECRET, ...env });
    expect(rejected.variable).toBe(variable);
    expect(rejected.message).toMatch(new RegExp(`^${variable}: `));
  });
});
