import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiSchemaFromSupergraph } from '../gateway/src/persisted-operations/api-schema';
import { buildManifest, formatProblem, readOperationFiles, serializeManifest } from '../gateway/src/persisted-operations/build-manifest';
import { SUPERGRAPH_FILE } from './supergraph';

const USAGE = `Builds a persisted operation manifest (Apollo's format) from a folder of .graphql files, and
validates every operation against the supergraph's API schema.

Usage: npm run pq:build -- <folder> [--out <file>] [--supergraph <file>]

  <folder>       the .graphql files directly in it (not its subfolders); fragments may live in any of them
  --out          where to write the manifest                            (default: print it on stdout)
  --supergraph   the composed supergraph                               (default: ${SUPERGRAPH_FILE})

An operation that does not validate is reported as file:line:column: message, and nothing is written
(exit code 1). A mistake in how the command was called exits with code 2.`;

/** A mistake in how the command was called: reported with the usage and exit code 2. */
class UsageError extends Error {}

function parseCommandLine(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { out: { type: 'string' }, supergraph: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the folder of .graphql files' : `expected one folder, got ${positionals.length} arguments`);
  const [folder] = positionals;
  if (!isDirectory(folder)) throw new UsageError(`${folder} is not a folder`);
  if (values.out === '') throw new UsageError('--out must name a file');
  return { folder, out: values.out, supergraph: values.supergraph ?? join(__dirname, '..', SUPERGRAPH_FILE) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function main(): number {
  const request = parseCommandLine(process.argv.slice(2));
  if (!request) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const files = readOperationFiles(request.folder);
  if (files.length === 0) throw new UsageError(`${request.folder} holds no .graphql files`);
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(request.supergraph, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the supergraph ${request.supergraph} (${(error as NodeJS.ErrnoException).code}); run npm run compose`);
  }
  const outcome = buildManifest(files, apiSchemaFromSupergraph(supergraphSdl));
  if (!outcome.ok) {
    for (const problem of outcome.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write(`${outcome.problems.length} problem(s); no manifest written\n`);
    return 1;
  }
  const text = serializeManifest(outcome.manifest);
  if (!request.out) {
    process.stdout.write(text);
    return 0;
  }
  mkdirSync(dirname(request.out), { recursive: true });
  writeFileSync(request.out, text);
  process.stdout.write(`Wrote ${outcome.manifest.operations.length} operation(s) to ${request.out}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
}
