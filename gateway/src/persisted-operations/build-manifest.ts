import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GraphQLError,
  Kind,
  parse,
  print,
  Source,
  validate,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { APOLLO_MANIFEST_FORMAT, type OperationType } from './manifest';
import { sha256Hex } from './persisted-operation';

export interface OperationFile {
  path: string;
  text: string;
}

export interface ApolloManifest {
  format: typeof APOLLO_MANIFEST_FORMAT;
  version: 1;
  operations: { id: string; name: string; type: OperationType; body: string }[];
}

/** Where a document is wrong, as `file:line:column: message`. */
export interface BuildProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type BuildOutcome = { ok: true; manifest: ApolloManifest } | { ok: false; problems: BuildProblem[] };

/** The .graphql files directly in `folder` (not its subfolders), in name order. */
export function readOperationFiles(folder: string): OperationFile[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => ({ path: join(folder, name), text: readFileSync(join(folder, name), 'utf8') }));
}

/**
 * One manifest entry per named operation in the files. Fragments may live in any of the files; each
 * operation's body holds the fragments it uses (transitively), so the body runs on its own. The id is the
 * SHA-256 of the body, which is what APQ clients send as `sha256Hash`.
 */
export function buildManifest(files: readonly OperationFile[], schema: GraphQLSchema): BuildOutcome {
  const problems: BuildProblem[] = [];
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operationNames = new Set<string>();
  for (const file of files) {
    let definitions: readonly DefinitionNode[];
    try {
      definitions = parse(new Source(file.text, file.path)).definitions;
    } catch (error) {
      problems.push(problemOf(error as GraphQLError, file.path));
      continue;
    }
    for (const definition of definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        const name = definition.name.value;
        if (fragments.has(name)) problems.push(problemAt(definition, `fragment ${name} is defined more than once`));
        else fragments.set(name, definition);
      } else if (definition.kind === Kind.OPERATION_DEFINITION) {
        const name = definition.name?.value;
        if (!name) problems.push(problemAt(definition, 'give this operation a name: the manifest lists operations by name'));
        else if (operationNames.has(name)) problems.push(problemAt(definition, `operation ${name} is defined more than once`));
        else {
          operationNames.add(name);
          operations.push(definition);
        }
      } else {
        problems.push(problemAt(definition, 'only operations and fragments belong in an operation file'));
      }
    }
  }

  const seen = new Set<string>();
  const entries: ApolloManifest['operations'] = [];
  for (const operation of operations) {
    const used = usedFragments(operation, fragments);
    const document = { kind: Kind.DOCUMENT, definitions: [operation, ...used] } as const;
    const errors = validate(schema, document);
    for (const error of errors) {
      const problem = problemOf(error, '');
      const key = `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
    if (errors.length > 0) continue;
    const body = print(document);
    entries.push({ id: sha256Hex(body), name: operation.name!.value, type: operation.operation, body });
  }
  if (problems.length > 0) return { ok: false, problems };
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, manifest: { format: APOLLO_MANIFEST_FORMAT, version: 1, operations: entries } };
}

export function serializeManifest(manifest: ApolloManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export function formatProblem(problem: BuildProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}

/** The fragments an operation spreads, directly or through other fragments, in name order. */
function usedFragments(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...used.values()].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
}

/** Locations come from each node's own source, which is named after its file. */
function problemOf(error: GraphQLError, fallbackFile: string): BuildProblem {
  const location = error.locations?.[0];
  return { file: error.source?.name ?? fallbackFile, line: location?.line ?? 1, column: location?.column ?? 1, message: error.message };
}

function problemAt(node: DefinitionNode, message: string): BuildProblem {
  return problemOf(new GraphQLError(message, { nodes: node }), '');
}
