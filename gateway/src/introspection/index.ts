import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../../../lib/errors';
import type { ClientKind } from '../../../lib/principal';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';

/**
 * Lets only the configured client kinds read the schema through `__schema` and `__type`. Partners get the
 * operations agreed with them, not a map of the whole graph. `__typename` stays open to everyone.
 */
export function useIntrospection(allowedKinds: ReadonlySet<ClientKind>): GatewayPlugin {
  return {
    name: 'introspection',
    onOperation(operation) {
      const kind = operation.principal.kind;
      if (allowedKinds.has(kind)) return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of operation.document!.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      if (selectsIntrospection(operation.operation!.selectionSet, fragments, new Set())) {
        throw refusal(`Introspection is not allowed for ${kind} tokens`, ErrorCode.FORBIDDEN, { status: 403 });
      }
    },
  };
}

function selectsIntrospection(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === '__schema' || selection.name.value === '__type') return true;
      return selection.selectionSet ? selectsIntrospection(selection.selectionSet, fragments, seen) : false;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) return selectsIntrospection(selection.selectionSet, fragments, seen);
    if (seen.has(selection.name.value)) return false;
    seen.add(selection.name.value);
    const fragment = fragments.get(selection.name.value);
    return fragment ? selectsIntrospection(fragment.selectionSet, fragments, seen) : false;
  });
}
