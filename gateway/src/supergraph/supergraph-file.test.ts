import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { createLogger } from '../../../lib/logger';
import { SupergraphFile, type ReloadResult } from './supergraph-file';

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const committed = readFileSync(join(__dirname, '../../../schema/supergraph.graphql'), 'utf8');

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('supergraph hot reload', () => {
  let gateway: ApolloGateway;
  let path: string;
  const results: ReloadResult[] = [];
  const schemaUpdates: string[] = [];

  beforeEach(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
    writeFileSync(path, committed);
    results.length = 0;
    schemaUpdates.length = 0;
    const file = new SupergraphFile(path, { logger: createLogger('test', 'silent'), debounceMs: 20, onReload: (r) => results.push(r) });
    gateway = new ApolloGateway({ supergraphSdl: file, logger: createLogger('test', 'silent') });
    gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => schemaUpdates.push(coreSupergraphSdl));
    await gateway.load();
  });

  afterEach(async () => {
    await gateway.stop();
  });

  it('loads the committed supergraph, which links the authorization specs for SECURITY', () => {
    expect(committed).toContain('for: SECURITY');
    expect(schemaUpdates).toHaveLength(1);
    expect(schemaUpdates[0]).not.toContain('for: SECURITY');
    expect(schemaUpdates[0]).toContain('@requiresScopes');
  });

  it('swaps in a valid new supergraph when the file changes, also when it is replaced by a rename', async () => {
    const next = committed.replace('type Query', '"The entry points."\ntype Query');
    writeFileSync(`${path}.tmp`, next);
    renameSync(`${path}.tmp`, path);
    await waitFor(() => results.includes('applied'), 'the reload');
    expect(schemaUpdates).toHaveLength(2);
    expect(schemaUpdates[1]).toContain('"The entry points."');
  });

  it('refuses a broken supergraph and keeps serving the previous one', async () => {
    writeFileSync(path, 'type Query {');
    await waitFor(() => results.includes('refused'), 'the refusal');
    expect(schemaUpdates).toHaveLength(1);
    // The gateway is still loaded and can take a valid supergraph afterwards.
    writeFileSync(path, committed.replace('type Query', '"Back."\ntype Query'));
    await waitFor(() => results.includes('applied'), 'the recovery');
    expect(schemaUpdates).toHaveLength(2);
  });
});
