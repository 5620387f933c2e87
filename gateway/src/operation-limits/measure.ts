import { getIntrospectionQuery, Kind, parse, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** What a document's operation measures, whoever sends it: a fact, cacheable with the document. */
export interface OperationShape {
  /** The deepest field path outside introspection. */
  depth: number;
  /** The deepest field path under `__schema` or `__type`, whose type references nest by design (`ofType`). */
  introspectionDepth: number;
  aliases: number;
  rootFields: number;
  /** Directives anywhere in the document, known or not, each once: what validation would read. */
  directives: number;
  /** Fields once fragments are expanded: what a small document with nested fragment spreads really asks for. */
  fields: number;
}

/** Expansion stops here, whatever the limits: enough to exceed any sensible maxFields, and cheap to reach. */
const EXPANSION_CAP = 100_000;

/** Root fields whose selections describe the schema, not data: a type's `ofType` chain nests nine levels deep. */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Measures the operation that will run: its deepest field path, aliases, root fields and fields, with
 * fragments expanded where they are used (a fragment spread ten times counts ten times), and the directives of
 * the whole document (1,500 unknown directives are refused before validation reports them). Depth under
 * `__schema` and `__type` is kept apart: the introspection query every tool sends nests 15 levels of type
 * references, deeper than any data query needs.
 */
export function measureOperation(document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const shape: OperationShape = { depth: 0, introspectionDepth: 0, aliases: 0, rootFields: 0, directives: countDirectives(document), fields: 0 };

  const visit = (selectionSet: SelectionSetNode, depth: number, inFragments: ReadonlySet<string>, root: boolean, introspection: boolean) => {
    for (const selection of selectionSet.selections) {
      if (shape.fields >= EXPANSION_CAP) return;
      if (selection.kind === Kind.FIELD) {
        shape.fields += 1;
        if (root) shape.rootFields += 1;
        if (selection.alias) shape.aliases += 1;
        const inIntrospection = introspection || INTROSPECTION_ROOTS.has(selection.name.value);
        if (inIntrospection) shape.introspectionDepth = Math.max(shape.introspectionDepth, depth);
        else shape.depth = Math.max(shape.depth, depth);
        if (selection.selectionSet) visit(selection.selectionSet, depth + 1, inFragments, false, inIntrospection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, depth, inFragments, root, introspection);
      } else {
        const fragment = fragments.get(selection.name.value);
        // A cycle is a validation error; it is not followed here.
        if (!fragment || inFragments.has(fragment.name.value)) continue;
        visit(fragment.selectionSet, depth, new Set([...inFragments, fragment.name.value]), root, introspection);
      }
    }
  };
  visit(operation.selectionSet, 1, new Set(), true, false);
  return shape;
}

/** Every directive node in the document, however deep. */
function countDirectives(document: DocumentNode): number {
  let count = 0;
  visit(document, {
    Directive() {
      count += 1;
    },
  });
  return count;
}

/** How deep graphql-js's own introspection query goes with every option: what GraphiQL and codegen send. */
export const STANDARD_INTROSPECTION_DEPTH = (() => {
  const document = parse(
    getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }),
  );
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  return measureOperation(document, operation).introspectionDepth;
})();
