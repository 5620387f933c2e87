import { ConfigError } from '../lib/errors';
import { assetsSubgraph } from '../subgraphs/assets/src/server';
import { identitySubgraph } from '../subgraphs/identity/src/server';
import { incidentsSubgraph } from '../subgraphs/incidents/src/server';

/*
 * Each subgraph's own part of its configuration: its ports and the variable that names its database. What every
 * subgraph reads alike (HOST, LOG_LEVEL, QUERY_TIMEOUT_MS, ...) is tested in subgraph-kit/test/config.test.ts.
 */

const SECRET = 'x'.repeat(40);

const SUBGRAPHS = [
  { subgraph: identitySubgraph, port: 4001, metricsPort: 9401, variable: 'DATABASE_URL', url: 'postgresql://identity@db:5432/identity', foreign: 'mysql://db/identity' },
  { subgraph: assetsSubgraph, port: 4002, metricsPort: 9402, variable: 'MONGODB_URL', url: 'mongodb://db1:27017,db2:27017/palisade_assets?replicaSet=rs0', foreign: 'postgres://db:5432/assets' },
  { subgraph: incidentsSubgraph, port: 4003, metricsPort: 9403, variable: 'MONGODB_URL', url: 'mongodb+srv://cluster.example.net/palisade_incidents', foreign: 'postgres://db:5432/incidents' },
];

function rejectedVariable(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.variable;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe.each(SUBGRAPHS)('$subgraph.name configuration', ({ subgraph, port, metricsPort, variable, url, foreign }) => {
  it(`defaults to port ${port}, metrics on ${metricsPort}, and the embedded store outside production`, () => {
    expect(subgraph.readConfig({ PRINCIPAL_SECRET: SECRET })).toMatchObject({ port, metricsPort, storeUrl: undefined });
  });

  it(`reads ${variable}`, () => {
    expect(subgraph.readConfig({ PRINCIPAL_SECRET: SECRET, [variable]: url }).storeUrl).toBe(url);
  });

  it(`requires ${variable} in production and refuses another kind of database`, () => {
    expect(rejectedVariable(() => subgraph.readConfig({ PRINCIPAL_SECRET: SECRET, NODE_ENV: 'production' }))).toBe(variable);
    expect(rejectedVariable(() => subgraph.readConfig({ PRINCIPAL_SECRET: SECRET, [variable]: foreign }))).toBe(variable);
  });
});
