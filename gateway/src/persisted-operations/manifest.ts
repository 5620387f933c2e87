/** Apollo's persisted query manifest, as written by `npm run pq:build` and Apollo's own tools. */
export const APOLLO_MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export type OperationType = 'query' | 'mutation' | 'subscription';

/** One entry of a manifest, before it is checked against the schema. */
export interface ManifestEntry {
  id: string;
  /** Given by Apollo's format; a Relay map names no operation, so the document's own name is used. */
  name?: string;
  type?: OperationType;
  body: string;
}

export interface Manifest {
  file: string;
  format: 'apollo' | 'relay';
  entries: ManifestEntry[];
}

/** A manifest that cannot be used; the message names the file and what is wrong in it. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ManifestError';
  }
}

const OPERATION_TYPES: readonly string[] = ['query', 'mutation', 'subscription'];

/**
 * Accepts Apollo's format `{"format":"apollo-persisted-query-manifest","version":1,"operations":[...]}` and
 * Relay's `{"<id>": "<document text>"}`; anything else is refused, never guessed at.
 */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) {
    throw new ManifestError(file, `expected a JSON object: Apollo's {"format":"${APOLLO_MANIFEST_FORMAT}",...} or Relay's {"<id>": "<document>"}`);
  }
  if ('format' in json || 'operations' in json) return { file, format: 'apollo', entries: apolloEntries(json, file) };
  return { file, format: 'relay', entries: relayEntries(json, file) };
}

function apolloEntries(json: Record<string, unknown>, file: string): ManifestEntry[] {
  if (json.format !== APOLLO_MANIFEST_FORMAT) {
    throw new ManifestError(file, `"format" must be "${APOLLO_MANIFEST_FORMAT}", got ${JSON.stringify(json.format)}`);
  }
  if (json.version !== 1) throw new ManifestError(file, `"version" must be 1, got ${JSON.stringify(json.version)}`);
  if (!Array.isArray(json.operations)) throw new ManifestError(file, '"operations" must be an array');
  const seen = new Set<string>();
  return json.operations.map((operation: unknown, index) => {
    const where = `operations[${index}]`;
    if (!isObject(operation)) throw new ManifestError(file, `${where} must be an object with id, name, type and body`);
    const { id, name, type, body } = operation;
    if (typeof id !== 'string' || id === '') throw new ManifestError(file, `${where}.id must be a non-empty string`);
    if (seen.has(id)) throw new ManifestError(file, `${where}: id ${id} appears more than once`);
    seen.add(id);
    if (typeof name !== 'string' || name === '') throw new ManifestError(file, `${where} (id ${id}): "name" must be a non-empty string`);
    if (typeof type !== 'string' || !OPERATION_TYPES.includes(type)) {
      throw new ManifestError(file, `${where} (id ${id}): "type" must be one of ${OPERATION_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    }
    if (typeof body !== 'string' || body.trim() === '') throw new ManifestError(file, `${where} (id ${id}): "body" must be the operation's document text`);
    return { id, name, type: type as OperationType, body };
  });
}

function relayEntries(json: Record<string, unknown>, file: string): ManifestEntry[] {
  return Object.entries(json).map(([id, body]) => {
    if (id === '') throw new ManifestError(file, 'an operation id must not be empty');
    if (typeof body !== 'string' || body.trim() === '') {
      throw new ManifestError(file, `the value of "${id}" must be the operation's document text (a Relay map is {"<id>": "<document>"})`);
    }
    return { id, body };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
