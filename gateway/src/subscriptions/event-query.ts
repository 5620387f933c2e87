import { Kind, print, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { refusal } from '../pipeline/errors';
import type { ServedSchema } from '../pipeline/served-schema';

/** The variable that carries the event's id into the query that resolves it. */
export const EVENT_ID_VARIABLE = 'palisadeEventId';

/** What a subscription becomes for each of its events. */
export interface EventQuery {
  /** The subscription field (`incidentChanged`): events name it. */
  field: string;
  /** The query that resolves one event with the subscriber's selection, its text. */
  text: string;
  /** The key under which the answer carries the selection (the alias, or the field's name). */
  responseKey: string;
}

/**
 * Turns a subscription into the query that resolves one of its events through the ordinary federated execution:
 * `subscription S($f: F) { incidentChanged(filter: $f) { ... } }` becomes
 * `query S($f: F, $palisadeEventId: ID!) { incidentChanged: incidentChangedEvent(id: $palisadeEventId, filter: $f) { ... } }`.
 * The subgraph that owns `Subscription.<field>` answers `Query.<field>Event(id:, ...same arguments)` with the
 * event as the caller may see it, or null when it does not match the arguments: so the subscriber's selection,
 * from every subgraph, is resolved with its scopes and tenant, exactly as a query would be.
 */
export function eventQueryOf(document: DocumentNode, operation: OperationDefinitionNode, schema: ServedSchema): EventQuery {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const root = rootField(operation.selectionSet, fragments);
  const field = root.name.value;
  const lookup = `${field}Event`;
  const lookupField = schema.api.getQueryType()?.getFields()[lookup];
  if (!lookupField || !lookupField.args.some((argument) => argument.name === 'id')) {
    throw refusal(
      `Subscription.${field} cannot be served: its subgraph must also provide Query.${lookup}(id: ID!, ...the same arguments) to resolve each event`,
      'SUBSCRIPTION_NOT_SERVED',
      { status: 400 },
    );
  }
  if ((operation.variableDefinitions ?? []).some((definition) => definition.variable.name.value === EVENT_ID_VARIABLE)) {
    throw refusal(`The variable name $${EVENT_ID_VARIABLE} is reserved in subscriptions; rename yours`, 'BAD_USER_INPUT', { status: 400 });
  }
  const responseKey = root.alias?.value ?? field;
  const eventField: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: lookup },
    arguments: [
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: EVENT_ID_VARIABLE } } },
      ...(root.arguments ?? []),
    ],
  };
  const query: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: EVENT_ID_VARIABLE } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [eventField] },
  };
  // Fragments on Subscription itself only led to the root field, which the query now holds directly.
  const subscriptionType = schema.api.getSubscriptionType()?.name;
  const usedFragments = [...fragments.values()].filter((fragment) => fragment.typeCondition.name.value !== subscriptionType);
  return { field, text: print({ kind: Kind.DOCUMENT, definitions: [query, ...usedFragments] }), responseKey };
}

/** The one root field of a subscription (validation allows exactly one), wherever fragments put it. */
function rootField(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FieldNode {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith('__')) return selection;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      return rootField(selection.selectionSet, fragments);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) return rootField(fragment.selectionSet, fragments);
    }
  }
  throw refusal('A subscription selects one field of Subscription', 'GRAPHQL_VALIDATION_FAILED', { status: 400 });
}
