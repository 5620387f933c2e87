import { GraphQLError, Kind, Lexer, Source, TokenKind, type DocumentNode, type SelectionSetNode, type FragmentDefinitionNode } from 'graphql';

/** Bounds on the shape of one operation, set per client kind. */
export interface OperationLimits {
  maxBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  /** Fields once fragments are expanded: what a small document with nested fragment spreads really asks for. */
  maxFields: number;
}

/** What a document measures, whoever sends it; cacheable by the document's text. */
export interface OperationMeasure {
  bytes: number;
  tokens: number;
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  fields: number;
}

export const LIMIT_EXCEEDED = 'OPERATION_LIMIT_EXCEEDED';

const LIMIT_NAMES: Record<keyof OperationMeasure, keyof OperationLimits> = {
  bytes: 'maxBytes',
  tokens: 'maxTokens',
  depth: 'maxDepth',
  aliases: 'maxAliases',
  rootFields: 'maxRootFields',
  directives: 'maxDirectives',
  fields: 'maxFields',
};

/** Expansion stops here, whatever the limits: enough to exceed any sensible maxFields, and cheap to reach. */
const EXPANSION_CAP = 100_000;

/** Counts lexical tokens without building a syntax tree, and stops counting past `stopAfter`. */
export function countTokens(query: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  // A lexing error is left to the parser, which reports it with a location.
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > stopAfter) break;
    }
  } catch {
    return count;
  }
  return count;
}

/**
 * Measures the operation that will run: its deepest field path, aliases, root fields and directives,
 * with fragments expanded where they are used (a fragment spread ten times counts ten times).
 */
export function measureOperation(query: string, document: DocumentNode, operationName: string | null | undefined, tokens: number): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations.find((o) => !operationName || o.name?.value === operationName) ?? operations[0];
  const measure: OperationMeasure = { bytes: Buffer.byteLength(query, 'utf8'), tokens, depth: 0, aliases: 0, rootFields: 0, directives: 0, fields: 0 };
  if (!operation) return measure;
  measure.directives += operation.directives?.length ?? 0;

  const visit = (selectionSet: SelectionSetNode, depth: number, inFragments: ReadonlySet<string>, root: boolean) => {
    for (const selection of selectionSet.selections) {
      if (measure.fields >= EXPANSION_CAP) return;
      measure.directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        measure.fields += 1;
        if (root) measure.rootFields += 1;
        if (selection.alias) measure.aliases += 1;
        measure.depth = Math.max(measure.depth, depth);
        if (selection.selectionSet) visit(selection.selectionSet, depth + 1, inFragments, false);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, depth, inFragments, root);
      } else {
        const fragment = fragments.get(selection.name.value);
        // A cycle is a validation error; it is not followed here.
        if (!fragment || inFragments.has(fragment.name.value)) continue;
        measure.directives += fragment.directives?.length ?? 0;
        visit(fragment.selectionSet, depth, new Set([...inFragments, fragment.name.value]), root);
      }
    }
  };
  visit(operation.selectionSet, 1, new Set(), true);
  return measure;
}

/** The first limit the measure exceeds, as an error naming the limit, the value seen and the maximum. */
export function checkLimits(measure: Partial<OperationMeasure>, limits: OperationLimits, kind: string): GraphQLError | null {
  for (const [key, limitName] of Object.entries(LIMIT_NAMES) as Array<[keyof OperationMeasure, keyof OperationLimits]>) {
    const value = measure[key];
    const maximum = limits[limitName];
    if (value !== undefined && value > maximum) {
      return new GraphQLError(`Operation exceeds ${limitName} for ${kind} clients: ${value} > ${maximum}`, {
        extensions: { code: LIMIT_EXCEEDED, limit: limitName, value, maximum, http: { status: 400 } },
      });
    }
  }
  return null;
}
