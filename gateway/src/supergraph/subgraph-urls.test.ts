import { ConfigError } from '../../../lib/errors';
import { overrideVariable, SubgraphUrls } from './subgraph-urls';

/** The ConfigError a call throws. */
function configError(call: () => unknown): ConfigError {
  try {
    call();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('where the gateway calls each subgraph', () => {
  it('calls a subgraph at the URL the supergraph gives it, whatever its name', () => {
    const urls = SubgraphUrls.read({});
    expect(urls.resolve('identity', 'http://identity:4001/graphql')).toBe('http://identity:4001/graphql');
    expect(urls.resolve('threat-intel', 'https://intel.internal/graphql')).toBe('https://intel.internal/graphql');
  });

  it('names the override of a subgraph SUBGRAPH_<NAME>_URL: upper case, every other character an underscore', () => {
    expect(overrideVariable('assets')).toBe('SUBGRAPH_ASSETS_URL');
    expect(overrideVariable('threat-intel')).toBe('SUBGRAPH_THREAT_INTEL_URL');
    expect(overrideVariable('Edr.v2')).toBe('SUBGRAPH_EDR_V2_URL');
    const urls = SubgraphUrls.read({ SUBGRAPH_THREAT_INTEL_URL: 'http://127.0.0.1:4010/graphql', SUBGRAPH_ASSETS_URL: 'https://assets.internal/graphql' });
    expect(urls.resolve('threat-intel', 'http://intel:4010/graphql')).toBe('http://127.0.0.1:4010/graphql');
    expect(urls.resolve('assets', 'http://assets:4002/graphql')).toBe('https://assets.internal/graphql');
    expect(urls.resolve('identity', 'http://identity:4001/graphql')).toBe('http://identity:4001/graphql');
  });

  it('keeps IDENTITY_URL, ASSETS_URL and INCIDENTS_URL working for the subgraphs Palisade ships; SUBGRAPH_<NAME>_URL wins', () => {
    const urls = SubgraphUrls.read({
      IDENTITY_URL: 'http://10.0.0.1:4001/graphql',
      ASSETS_URL: 'http://10.0.0.2:4002/graphql',
      INCIDENTS_URL: 'http://10.0.0.3:4003/graphql',
      SUBGRAPH_INCIDENTS_URL: 'http://10.0.0.30:4003/graphql',
    });
    expect(urls.resolve('identity', 'http://identity:4001/graphql')).toBe('http://10.0.0.1:4001/graphql');
    expect(urls.resolve('assets', undefined)).toBe('http://10.0.0.2:4002/graphql');
    expect(urls.resolve('incidents', 'http://incidents:4003/graphql')).toBe('http://10.0.0.30:4003/graphql');
    // The legacy variables belong to those names only.
    expect(urls.resolve('identity-v2', 'http://identity-v2/graphql')).toBe('http://identity-v2/graphql');
  });

  it.each([
    ['SUBGRAPH_ASSETS_URL', 'assets.internal:4002'],
    ['SUBGRAPH_ASSETS_URL', 'ftp://assets.internal/graphql'],
    ['IDENTITY_URL', 'not a url'],
    ['INCIDENTS_URL', 'redis://incidents:6379'],
  ])('refuses %s=%s at start, naming the variable', (variable, value) => {
    expect(configError(() => SubgraphUrls.read({ [variable]: value })).variable).toBe(variable);
  });

  it('refuses a subgraph without a usable URL, naming the variable that would give it one', () => {
    const urls = SubgraphUrls.read({});
    const missing = configError(() => urls.resolve('threat-intel', undefined));
    expect(missing.variable).toBe('SUBGRAPH_THREAT_INTEL_URL');
    expect(missing.message).toBe('SUBGRAPH_THREAT_INTEL_URL: the supergraph gives subgraph "threat-intel" no URL; set SUBGRAPH_THREAT_INTEL_URL');
    const unusable = configError(() => urls.resolve('assets', 'unix:///var/run/assets.sock'));
    expect(unusable.variable).toBe('SUBGRAPH_ASSETS_URL');
    expect(unusable.message).toBe('SUBGRAPH_ASSETS_URL: subgraph "assets" has no usable http(s) URL ("unix:///var/run/assets.sock"); set SUBGRAPH_ASSETS_URL');
    expect(configError(() => urls.resolve('assets', 'not a url')).variable).toBe('SUBGRAPH_ASSETS_URL');
  });

  it('reports the overrides that name no subgraph of the supergraph (a typo would pass unnoticed)', () => {
    const urls = SubgraphUrls.read({
      SUBGRAPH_ASSETS_URL: 'http://a/graphql',
      SUBGRAPH_ASSEST_URL: 'http://typo/graphql',
      INCIDENTS_URL: 'http://i/graphql',
      IDENTITY_URL: 'http://id/graphql',
      SUBGRAPH_URL: 'http://not-an-override/graphql',
    });
    expect(urls.unused(['assets', 'identity'])).toEqual(['INCIDENTS_URL', 'SUBGRAPH_ASSEST_URL']);
    expect(urls.unused(['assets', 'identity', 'incidents', 'assest'])).toEqual([]);
    expect(SubgraphUrls.read({}).unused(['assets'])).toEqual([]);
  });
});
