import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_SCHEMA_FILE, apiSchemaSdl } from './api-schema';
import { SUPERGRAPH_FILE } from './supergraph';

const rootDir = join(__dirname, '..');
writeFileSync(join(rootDir, API_SCHEMA_FILE), apiSchemaSdl(readFileSync(join(rootDir, SUPERGRAPH_FILE), 'utf8')));
console.log(`Wrote ${API_SCHEMA_FILE} from ${SUPERGRAPH_FILE}`);
