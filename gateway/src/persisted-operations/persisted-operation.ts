import { createHash } from 'node:crypto';
import { GraphQLError, Kind, parse, stripIgnoredCharacters, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ManifestError, type ManifestEntry, type OperationType } from './manifest';

/** A manifest entry that parsed and validated against the API schema; requests are matched against these. */
export interface PersistedOperation {
  id: string;
  name: string | null;
  type: OperationType;
  body: string;
  /** SHA-256 (hex) of the body: what APQ clients and GraphQL-over-HTTP `sha256:` ids send. */
  hash: string;
  /** The body without whitespace, commas and comments: a sent body equal to this is the listed operation. */
  normalizedBody: string;
}

/** How many validation messages one refusal quotes; the rest are counted. */
const QUOTED_ERRORS = 3;

/** Parses and validates one entry; a document that would not run is refused with its id, name and why. */
export function prepareOperation(entry: ManifestEntry, schema: GraphQLSchema, file: string): PersistedOperation {
  const label = `operation ${entry.id}${entry.name ? ` (${entry.name})` : ''}`;
  const refuse = (problem: string) => new ManifestError(file, `${label}: ${problem}`);
  let document;
  try {
    document = parse(entry.body);
  } catch (error) {
    throw refuse(summarize([error as GraphQLError]));
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) throw refuse(`a persisted document holds exactly one operation, this one holds ${operations.length}`);
  const errors = validate(schema, document);
  if (errors.length > 0) throw refuse(summarize(errors));
  const [operation] = operations;
  const name = operation.name?.value ?? null;
  if (entry.name !== undefined && entry.name !== name) throw refuse(`the manifest names it ${entry.name}, its body names it ${name ?? '(anonymous)'}`);
  if (entry.type !== undefined && entry.type !== operation.operation) {
    throw refuse(`the manifest says it is a ${entry.type}, its body is a ${operation.operation}`);
  }
  return {
    id: entry.id,
    name,
    type: operation.operation,
    body: entry.body,
    hash: sha256Hex(entry.body),
    normalizedBody: stripIgnoredCharacters(entry.body),
  };
}

/**
 * The body as the list compares it; undefined when it does not even lex (it cannot be a listed one).
 * Lexing only: the per-request path never parses or validates, Apollo Server does that once.
 */
export function normalizeBody(body: string): string | undefined {
  try {
    return stripIgnoredCharacters(body);
  } catch {
    return undefined;
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function summarize(errors: readonly GraphQLError[]): string {
  const quoted = errors.slice(0, QUOTED_ERRORS).map((error) => {
    const location = error.locations?.[0];
    return location ? `${error.message} (line ${location.line}, column ${location.column} of its body)` : error.message;
  });
  const more = errors.length > QUOTED_ERRORS ? `; and ${errors.length - QUOTED_ERRORS} more` : '';
  return quoted.join('; ') + more;
}
