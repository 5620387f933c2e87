import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph, SUPERGRAPH_FILE } from './supergraph';

const rootDir = join(__dirname, '..');
const outcome = composeSupergraph(rootDir);
if (!outcome.ok) {
  console.error(`Composition failed with ${outcome.errors.length} error(s):`);
  for (const error of outcome.errors) {
    const code = error.extensions?.code ? `[${String(error.extensions.code)}] ` : '';
    console.error(`- ${code}${error.message}`);
  }
  process.exit(1);
}
writeFileSync(join(rootDir, SUPERGRAPH_FILE), outcome.supergraphSdl);
console.log(`Wrote ${SUPERGRAPH_FILE}`);
