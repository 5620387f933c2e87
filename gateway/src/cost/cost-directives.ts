import { Kind, parse, type ConstDirectiveNode, type ConstValueNode } from 'graphql';

/** `@listSize` on a field: how many items a list returns, for the cost estimate. */
export interface ListSize {
  assumedSize: number | null;
  slicingArguments: string[];
  sizedFields: string[];
}

/** Apollo's demand-control directives, read from the supergraph. */
export interface CostDirectives {
  /** `@cost(weight:)` by type name, field coordinate ("Query.incidents") or argument ("Query.incidents(first:)"). */
  weights: ReadonlyMap<string, number>;
  listSizes: ReadonlyMap<string, ListSize>;
}

/** Directive names as the supergraph may spell them (imported, or namespaced by the cost spec). */
const COST_NAMES = new Set(['cost', 'cost__cost']);
const LIST_SIZE_NAMES = new Set(['listSize', 'cost__listSize']);

export function readCostDirectives(supergraphSdl: string): CostDirectives {
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const readWeight = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    const cost = directives?.find((d) => COST_NAMES.has(d.name.value));
    const weight = cost && argument(cost, 'weight');
    if (weight?.kind === Kind.INT) weights.set(coordinate, Number(weight.value));
  };
  for (const definition of parse(supergraphSdl).definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      definition.kind !== Kind.ENUM_TYPE_DEFINITION
    ) {
      continue;
    }
    const typeName = definition.name.value;
    readWeight(typeName, definition.directives);
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      readWeight(coordinate, field.directives);
      for (const arg of field.arguments ?? []) readWeight(`${coordinate}(${arg.name.value}:)`, arg.directives);
      const listSize = field.directives?.find((d) => LIST_SIZE_NAMES.has(d.name.value));
      if (listSize) {
        const assumed = argument(listSize, 'assumedSize');
        listSizes.set(coordinate, {
          assumedSize: assumed?.kind === Kind.INT ? Number(assumed.value) : null,
          slicingArguments: strings(argument(listSize, 'slicingArguments')),
          sizedFields: strings(argument(listSize, 'sizedFields')),
        });
      }
    }
  }
  return { weights, listSizes };
}

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function strings(value: ConstValueNode | undefined): string[] {
  if (value?.kind === Kind.STRING) return [value.value];
  if (value?.kind !== Kind.LIST) return [];
  return value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []));
}
