import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { both, type Requirement, type RequirementMap } from './requirements';

/** Marks a list in a path, as Apollo Router does: ["incidents", "edges", "@", "node", "assignee", "email"]. */
export const LIST_MARKER = '@';

/** Alias added where a removed field sits under a type condition, so the response tells which objects get null. */
export const TYPENAME_ALIAS = 'palisadeTypename__';

/** One removed field: where it was, and where null goes (the nearest nullable position). */
export interface Removal {
  /** The field's path in the response, with LIST_MARKER for each list level. */
  path: string[];
  /** False for a field removed only because all it selected was removed: those children carry the errors. */
  reported: boolean;
  /** The field's coordinate in the schema, e.g. "User.email", for the audit trail. */
  coordinate: string;
  /** What the caller lacked: the field's own requirement joined with its type's (for reported removals). */
  requirement?: Requirement;
  /** Where to write null; shorter than path when a non-null field makes null bubble up. Empty: all of data. */
  nullPath: string[];
  /** Only objects whose __typename is in this set get null; undefined means every object at that path. */
  typeNames?: ReadonlySet<string>;
}

export interface AuthorizationDecision {
  /** The operation with every unauthorized field removed; null when nothing is left to execute. */
  document: DocumentNode | null;
  removals: Removal[];
  /** Coordinates of protected fields the caller may read and asked for ("User.email"), for the audit trail. */
  granted: string[];
}

export type RequirementCheck = (requirement: Requirement) => boolean;

/**
 * Removes from an operation every field the caller may not read, before the query planner sees it:
 * a field is kept only when its own requirement and its return type's requirement both hold (for a field
 * of an interface, also each implementation's requirement for that field). Fragments are inlined first,
 * so each removal has one path. A selection set left empty removes its parent field too.
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  requirements: RequirementMap,
  isSatisfied: RequirementCheck,
): AuthorizationDecision {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { document, removals: [], granted: [] };

  const removals: Removal[] = [];
  const granted = new Set<string>();
  const requirementCache = new Map<string, Requirement | null>();

  const fieldRequirement = (parentType: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): Requirement | null => {
    const coordinate = `${parentType.name}.${field.name}`;
    if (requirementCache.has(coordinate)) return requirementCache.get(coordinate)!;
    const parts: Array<Requirement | undefined> = [requirements.get(coordinate), requirements.get(getNamedType(field.type).name)];
    if (isInterfaceType(parentType)) {
      for (const implementation of schema.getPossibleTypes(parentType)) parts.push(requirements.get(`${implementation.name}.${field.name}`));
    }
    const combined = parts.reduce<Requirement | null>((acc, part) => (part ? (acc ? both(acc, part) : part) : acc), null);
    requirementCache.set(coordinate, combined);
    return combined;
  };

  /**
   * Returns the authorized selection set, or null when nothing in it may be read.
   * nullablePath is the path of the nearest position that may hold null (where a removed non-null field's null lands).
   */
  const visit = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    path: string[],
    nullablePath: string[],
    typeNames: ReadonlySet<string> | undefined,
    needsTypename: { value: boolean },
  ): SelectionSetNode | null => {
    const kept: SelectionNode[] = [];
    for (const selection of inlineFragments(selectionSet.selections, fragments)) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const conditionType = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType)
          : parentType;
        const narrowed = conditionType === parentType ? typeNames : possibleTypeNames(schema, conditionType);
        const typeRequirement = requirements.get(conditionType.name);
        if (typeRequirement && !isSatisfied(typeRequirement)) continue;
        const inner = visit(selection.selectionSet, conditionType, path, nullablePath, narrowed, needsTypename);
        if (inner) kept.push({ ...selection, selectionSet: inner });
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) {
        kept.push(selection);
        continue;
      }
      const field = 'getFields' in parentType ? parentType.getFields()[name] : undefined;
      if (!field) {
        kept.push(selection);
        continue;
      }
      const responseKey = selection.alias?.value ?? name;
      const fieldPath = [...path, responseKey];
      const fieldNullablePath = isNonNullType(field.type) ? nullablePath : fieldPath;
      const requirement = fieldRequirement(parentType, field);
      if (requirement && !isSatisfied(requirement)) {
        removals.push({ path: fieldPath, reported: true, coordinate: `${parentType.name}.${name}`, nullPath: fieldNullablePath, typeNames, requirement });
        if (typeNames) needsTypename.value = true;
        continue;
      }
      if (requirement) granted.add(`${parentType.name}.${name}`);
      if (!selection.selectionSet) {
        kept.push(selection);
        continue;
      }
      const { innerPath, innerNullablePath } = descend(field.type, fieldPath, fieldNullablePath);
      const childNeedsTypename = { value: false };
      const inner = visit(selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType, innerPath, innerNullablePath, undefined, childNeedsTypename);
      if (!inner) {
        // Every child was removed and reported; the parent cannot be sent with an empty selection.
        removals.push({ path: fieldPath, reported: false, coordinate: `${parentType.name}.${name}`, nullPath: fieldNullablePath, typeNames });
        if (typeNames) needsTypename.value = true;
        continue;
      }
      kept.push({ ...selection, selectionSet: childNeedsTypename.value ? withTypenameAlias(inner) : inner });
    }
    return kept.length > 0 ? { ...selectionSet, selections: kept } : null;
  };

  const rootNeedsTypename = { value: false };
  const selectionSet = visit(operation.selectionSet, rootType, [], [], undefined, rootNeedsTypename);
  if (removals.length === 0) return { document, removals, granted: [...granted] };
  if (!selectionSet) return { document: null, removals, granted: [...granted] };
  const rewritten: OperationDefinitionNode = { ...operation, selectionSet };
  return { document: { kind: Kind.DOCUMENT, definitions: [rewritten] }, removals, granted: [...granted] };
}

/** The path inside a field's value: one LIST_MARKER per list level, tracking where null may land. */
function descend(type: GraphQLOutputType, fieldPath: string[], fieldNullablePath: string[]) {
  let innerPath = fieldPath;
  let innerNullablePath = fieldNullablePath;
  let current: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
  while (isListType(current)) {
    innerPath = [...innerPath, LIST_MARKER];
    const item: GraphQLOutputType = current.ofType;
    if (!isNonNullType(item)) innerNullablePath = innerPath;
    current = isNonNullType(item) ? item.ofType : item;
  }
  return { innerPath, innerNullablePath };
}

/** Replaces fragment spreads by inline fragments, so that every selection has exactly one path. */
function inlineFragments(selections: readonly SelectionNode[], fragments: Map<string, FragmentDefinitionNode>): Array<FieldNode | InlineFragmentNode> {
  return selections.map((selection) => {
    if (selection.kind !== Kind.FRAGMENT_SPREAD) return selection;
    const fragment = fragments.get(selection.name.value)!;
    return {
      kind: Kind.INLINE_FRAGMENT,
      typeCondition: fragment.typeCondition,
      directives: selection.directives,
      selectionSet: fragment.selectionSet,
    } satisfies InlineFragmentNode;
  });
}

function possibleTypeNames(schema: GraphQLSchema, type: GraphQLNamedType): ReadonlySet<string> {
  if (isAbstractType(type)) return new Set(schema.getPossibleTypes(type).map((t) => t.name));
  return new Set(isObjectType(type) ? [type.name] : []);
}

function withTypenameAlias(selectionSet: SelectionSetNode): SelectionSetNode {
  const field: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: TYPENAME_ALIAS },
    name: { kind: Kind.NAME, value: '__typename' },
  };
  return { ...selectionSet, selections: [...selectionSet.selections, field] };
}
