import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { ManifestError, parseManifest } from './manifest';
import { prepareOperation, type PersistedOperation } from './persisted-operation';

/** The operations of one manifest, found by id, by the hash of their body, or by their body. */
export class OperationSet {
  private readonly byId = new Map<string, PersistedOperation>();
  private readonly byHash = new Map<string, PersistedOperation>();
  private readonly byBody = new Map<string, PersistedOperation>();

  constructor(operations: readonly PersistedOperation[]) {
    for (const operation of operations) {
      this.byId.set(operation.id, operation);
      if (!this.byHash.has(operation.hash)) this.byHash.set(operation.hash, operation);
      if (!this.byBody.has(operation.normalizedBody)) this.byBody.set(operation.normalizedBody, operation);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  /** Every operation of the set, once. */
  operations(): IterableIterator<PersistedOperation> {
    return this.byId.values();
  }

  /** An id as the manifest spells it, or `sha256:<hex>` / `<hex>` of the body (APQ, GraphQL over HTTP). */
  find(id: string): PersistedOperation | undefined {
    const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
    return this.byId.get(id) ?? this.byId.get(hex) ?? this.byHash.get(hex.toLowerCase());
  }

  findBody(normalizedBody: string): PersistedOperation | undefined {
    return this.byBody.get(normalizedBody);
  }

  includes(operation: PersistedOperation): boolean {
    return this.byId.get(operation.id) === operation;
  }
}

export const EMPTY_SET = new OperationSet([]);

/** Everything PERSISTED_QUERIES names, validated; replaced as a whole on reload, never edited. */
export interface OperationList {
  /** manifest.json, or the one manifest file: operations any script may run by id (and users, when configured). */
  shared: OperationSet;
  /** clients/<client_id>.json: the operations agreed with each partner, who may run only those. */
  clients: ReadonlyMap<string, OperationSet>;
  /** Identifies the files' contents, so that a change event that changed nothing reloads nothing. */
  fingerprint: string;
}

/** No list: APQ and plain documents only. */
export const EMPTY_LIST: OperationList = { shared: EMPTY_SET, clients: new Map(), fingerprint: '' };

interface ManifestSource {
  file: string;
  text: string;
}

/** The manifest files' text, read but not yet parsed. */
export interface ManifestSources {
  shared: ManifestSource;
  clients: ReadonlyMap<string, ManifestSource>;
  fingerprint: string;
}

/** `path` is one manifest file, or a directory holding manifest.json and clients/<client_id>.json. */
export function readManifestSources(path: string): ManifestSources {
  let directory: boolean;
  try {
    directory = statSync(path).isDirectory();
  } catch (error) {
    throw new ManifestError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const shared = readSource(directory ? join(path, 'manifest.json') : path);
  const clients = new Map<string, ManifestSource>();
  const clientsDirectory = join(path, 'clients');
  if (directory && existsSync(clientsDirectory)) {
    for (const name of readdirSync(clientsDirectory).sort()) {
      // Skips hidden entries such as the ..data links Kubernetes puts in a mounted ConfigMap.
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const file = join(clientsDirectory, name);
      if (isFile(file)) clients.set(name.slice(0, -'.json'.length), readSource(file));
    }
  }
  const fingerprint = createHash('sha256');
  for (const source of [shared, ...clients.values()]) fingerprint.update(`${source.file}\0${source.text}\0`);
  return { shared, clients, fingerprint: fingerprint.digest('hex') };
}

/** Parses every manifest and validates every operation; the first problem refuses the whole list. */
export function buildOperationList(sources: ManifestSources, schema: GraphQLSchema): OperationList {
  const prepare = ({ file, text }: ManifestSource) =>
    new OperationSet(parseManifest(text, file).entries.map((entry) => prepareOperation(entry, schema, file)));
  const clients = new Map<string, OperationSet>();
  for (const [clientId, source] of sources.clients) clients.set(clientId, prepare(source));
  return { shared: prepare(sources.shared), clients, fingerprint: sources.fingerprint };
}

/** A client file that cannot be examined (a dangling link) refuses the list: skipping it would silently drop a client. */
function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch (error) {
    throw new ManifestError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function readSource(file: string): ManifestSource {
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ': a persisted operations directory holds manifest.json and clients/<client_id>.json' : '';
    throw new ManifestError(file, `cannot be read (${code ?? (error as Error).message})${hint}`);
  }
}
