import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostDirectives } from './cost-directives';

export interface CostOptions {
  /** Items assumed for a list without `@listSize` or a slicing argument. */
  defaultListSize: number;
}

/** Apollo's static cost: a mutation's root field costs 10. */
const MUTATION_BASE_COST = 10;

/**
 * The static cost of an operation, computed before it runs with Apollo's method: an object costs 1 and a
 * leaf 0 unless `@cost` says otherwise, arguments add their `@cost`, and a list multiplies what it holds by
 * its size: the slicing argument's value (`first: 50`), else `@listSize(assumedSize)`, else the default.
 * `sizedFields` passes a connection's size to the list inside it (`edges`). Fragments on different types of
 * one abstract field are summed, which can only overestimate.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  directives: CostDirectives,
  options: CostOptions,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;

  const argumentValue = (field: GraphQLField<unknown, unknown>, node: FieldNode, name: string): unknown => {
    const definition = field.args.find((a) => a.name === name);
    if (!definition) return undefined;
    const given = node.arguments?.find((a) => a.name.value === name);
    // `first: null` (or a null variable) is served as the argument's default, as the subgraph serves it: the
    // schema's default is the one place that number is kept.
    const value = given ? valueFromAST(given.value, definition.type, variables) : undefined;
    return value ?? definition.defaultValue;
  };

  const selectionSetCost = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, sizedFields: Map<string, number>, isRoot: boolean, seen: ReadonlySet<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType) : parentType;
        total += selectionSetCost(selection.selectionSet, type, sizedFields, isRoot, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType;
        total += selectionSetCost(fragment.selectionSet, type, sizedFields, isRoot, new Set([...seen, fragment.name.value]));
      } else if (!selection.name.value.startsWith('__') && 'getFields' in parentType) {
        const field = parentType.getFields()[selection.name.value];
        if (field) total += fieldCost(parentType, field, selection, sizedFields.get(selection.name.value), isRoot, seen);
      }
    }
    return total;
  };

  const fieldCost = (
    parentType: GraphQLCompositeType,
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
    sizeFromParent: number | undefined,
    isRoot: boolean,
    seen: ReadonlySet<string>,
  ): number => {
    const coordinate = `${parentType.name}.${field.name}`;
    const namedType = getNamedType(field.type);
    const composite = isCompositeType(namedType);
    let base = directives.weights.get(coordinate) ?? directives.weights.get(namedType.name) ?? (composite ? 1 : 0);
    if (isRoot && operation.operation === 'mutation') base = Math.max(base, MUTATION_BASE_COST);
    for (const arg of node.arguments ?? []) base += directives.weights.get(`${coordinate}(${arg.name.value}:)`) ?? 0;

    const listSize = directives.listSizes.get(coordinate);
    const sliced = listSize ? slicedSize(listSize.slicingArguments.map((name) => argumentValue(field, node, name))) : null;
    const size = sizeFromParent ?? sliced ?? listSize?.assumedSize ?? options.defaultListSize;
    const childSizes = new Map<string, number>();
    if (listSize && listSize.sizedFields.length > 0) {
      for (const sizedField of listSize.sizedFields) childSizes.set(sizedField, size);
    }
    const children = node.selectionSet && composite ? selectionSetCost(node.selectionSet, namedType, childSizes, false, seen) : 0;
    const multiplier = isList(field.type) ? size : 1;
    return multiplier * (base + children);
  };

  return selectionSetCost(operation.selectionSet, rootType, new Map(), true, new Set());
}

/** The largest slicing argument given (Apollo takes the maximum when several are set). */
function slicedSize(values: unknown[]): number | null {
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  return numbers.length > 0 ? Math.max(...numbers) : null;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}
