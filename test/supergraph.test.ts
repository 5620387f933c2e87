import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph, SUPERGRAPH_FILE } from '../scripts/supergraph';

const rootDir = join(__dirname, '..');

describe('schema/supergraph.graphql', () => {
  it('is what the subgraph SDL files compose to now (otherwise run npm run compose)', () => {
    const outcome = composeSupergraph(rootDir);
    if (!outcome.ok) throw new Error(`the subgraphs do not compose:\n${outcome.errors.map((e) => e.message).join('\n')}`);
    const committed = readFileSync(join(rootDir, SUPERGRAPH_FILE), 'utf8');
    if (committed !== outcome.supergraphSdl) {
      throw new Error(`${SUPERGRAPH_FILE} is out of date with the subgraphs' schema.graphql files: run npm run compose`);
    }
  });

  it('embeds the default local URL of each subgraph, which the gateway overrides from its configuration', () => {
    const committed = readFileSync(join(rootDir, SUPERGRAPH_FILE), 'utf8');
    expect(committed).toContain('@join__graph(name: "identity", url: "http://localhost:4001/graphql")');
    expect(committed).toContain('@join__graph(name: "assets", url: "http://localhost:4002/graphql")');
    expect(committed).toContain('@join__graph(name: "incidents", url: "http://localhost:4003/graphql")');
  });
});
