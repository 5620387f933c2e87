import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { buildSchema, print, type DocumentNode } from 'graphql';
import { buildManifest } from './gateway/src/persisted-operations/build-manifest';

/**
 * GraphQL Code Generator (`npm run codegen`): typed documents for the shared operations in
 * schema/operations, checked against the client schema schema/api.graphql (written by `npm run schema`),
 * into schema/generated/. test/api-schema.test.ts fails when the committed files are stale.
 */

const rootDir = __dirname;
export const GENERATED_DIR = 'schema/generated/';

const apiSchema = buildSchema(readFileSync(join(rootDir, 'schema/api.graphql'), 'utf8'));

/**
 * The id `npm run pq:build` gives this operation in the trusted-documents manifest, `sha256:<hex>`, computed
 * by the same function (the SHA-256 of the document as pq:build prints it). The client preset's own
 * `persistedDocuments` option is not used: it hashes its own normalised print of the document (selections
 * sorted, on one line), so its ids name bodies that no manifest built by pq:build lists.
 */
function persistedId(document: DocumentNode): string {
  const outcome = buildManifest([{ path: 'generated document', text: print(document) }], apiSchema);
  if (!outcome.ok) throw new Error(outcome.problems.map((p) => p.message).join('\n'));
  const [operation] = outcome.manifest.operations;
  return `sha256:${operation.id}`;
}

/** The configuration, writing to `outputDir` (test/api-schema.test.ts regenerates into a temporary one). */
export function codegenConfig(outputDir: string): CodegenConfig {
  return {
    schema: join(rootDir, 'schema/api.graphql'),
    documents: [join(rootDir, 'schema/operations/**/*.graphql')],
    generates: {
      [outputDir]: {
        preset: 'client',
        presetConfig: {
          // The shared operations use no fragments; a frontend's own config may well mask them.
          fragmentMasking: false,
          // Each typed document carries its persisted id as `__meta__.hash`.
          onExecutableDocumentNode: (document: DocumentNode) => ({ hash: persistedId(document) }),
        },
        config: {
          // Documents as strings (TypedDocumentString): no GraphQL AST to ship to a browser, and `__meta__` is typed.
          documentMode: 'string',
          useTypeImports: true,
          enumsAsTypes: true,
          // lib/date-time-scalar.ts serialises DateTime as an ISO 8601 string.
          scalars: { DateTime: 'string' },
        },
      },
    },
    ignoreNoDocuments: false,
  };
}

export default codegenConfig(join(rootDir, GENERATED_DIR));
