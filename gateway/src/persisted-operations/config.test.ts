import { ConfigError } from '../../../lib/errors';
import { readPersistedQueriesConfig } from './config';

describe('persisted queries configuration', () => {
  it('is off without a manifest, and enforces once PERSISTED_QUERIES names one', () => {
    expect(readPersistedQueriesConfig({})).toEqual({ path: undefined, mode: 'off', users: 'any', apqTtlSeconds: 86_400 });
    expect(readPersistedQueriesConfig({ PERSISTED_QUERIES: 'schema/persisted-queries' })).toMatchObject({ path: 'schema/persisted-queries', mode: 'enforce' });
  });

  it('reads the mode, the users policy and the APQ TTL', () => {
    const env = { PERSISTED_QUERIES: 'pq', PERSISTED_QUERIES_MODE: 'audit', PERSISTED_QUERIES_USERS: 'safelist', APQ_TTL_SECONDS: '600' };
    expect(readPersistedQueriesConfig(env)).toEqual({ path: 'pq', mode: 'audit', users: 'safelist', apqTtlSeconds: 600 });
  });

  it('names the variable at fault', () => {
    expect(() => readPersistedQueriesConfig({ PERSISTED_QUERIES_MODE: 'enforce' })).toThrow(
      new ConfigError('PERSISTED_QUERIES', 'is required when PERSISTED_QUERIES_MODE=enforce: the manifest file, or a directory with manifest.json and clients/<client_id>.json'),
    );
    expect(() => readPersistedQueriesConfig({ PERSISTED_QUERIES: 'pq', PERSISTED_QUERIES_MODE: 'strict' })).toThrow('PERSISTED_QUERIES_MODE: expected one of off, audit, enforce, got "strict"');
    expect(() => readPersistedQueriesConfig({ PERSISTED_QUERIES_USERS: 'all' })).toThrow('PERSISTED_QUERIES_USERS: expected one of any, safelist');
    expect(() => readPersistedQueriesConfig({ APQ_TTL_SECONDS: '0' })).toThrow('APQ_TTL_SECONDS: expected a positive integer');
  });
});
