import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { ErrorCode } from '../lib/errors';

/** The most items one list may hold wherever it stands in an argument: in a literal, a variable, an input object. */
export const MAX_LIST_LENGTH = 500;

/**
 * Arguments whose own list may be longer, by schema coordinate. The gateway sends the entities one fetch needs
 * (say the owners of a page of assets) as the representations of one `_entities` call.
 */
const MAX_LIST_LENGTH_OF: Readonly<Record<string, number>> = { 'Query._entities(representations:)': 5_000 };

/** Variables as the request carries them, before GraphQL coerces them. */
type Variables = Readonly<Record<string, unknown>>;

/**
 * Bounds what a request can make a subgraph do before any resolver runs: every list in the arguments, in
 * literals and in variables, in input objects and in JSON scalars such as `_Any`, is at most MAX_LIST_LENGTH
 * long (MAX_LIST_LENGTH_OF for the few arguments that need more), and no text holds a NUL character, which no
 * store takes as data. One tenant's 20,000 filter values once kept a subgraph busy for seconds, for every tenant.
 */
export function argumentChecksPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ schema, document, operation, request }) => {
        checkArguments(schema, document, operation, request.variables ?? {});
      },
    }),
  };
}

/** Throws BAD_USER_INPUT naming the first argument (as a path such as `filter.status`) that breaks a bound. */
export function checkArguments(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode | undefined, variables: Variables): void {
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Argument(node) {
      const argument = typeInfo.getArgument();
      const field = typeInfo.getFieldDef();
      const parent = typeInfo.getParentType();
      // Directive arguments (@include, @skip) take a Boolean; only what reaches a resolver is bounded.
      if (!argument || !field || !parent || typeInfo.getDirective()) return false;
      const max = MAX_LIST_LENGTH_OF[`${parent.name}.${field.name}(${argument.name}:)`] ?? MAX_LIST_LENGTH;
      checkLiteral(node.value, argument.type, node.name.value, max, variables);
      return false;
    },
  });
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION || definition === operation) visit(definition, visitor);
  }
}

function checkLiteral(node: ValueNode, type: GraphQLInputType, path: string, max: number, variables: Variables): void {
  if (node.kind === Kind.VARIABLE) return checkValue(variables[node.name.value], type, path, max);
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (node.kind !== Kind.LIST) return checkLiteral(node, nullable.ofType, path, MAX_LIST_LENGTH, variables);
    checkLength(node.values.length, path, max);
    node.values.forEach((item, index) => checkLiteral(item, nullable.ofType, `${path}[${index}]`, MAX_LIST_LENGTH, variables));
  } else if (isInputObjectType(nullable) && node.kind === Kind.OBJECT) {
    const fields = nullable.getFields();
    for (const field of node.fields) {
      const definition = fields[field.name.value];
      if (definition) checkLiteral(field.value, definition.type, `${path}.${field.name.value}`, MAX_LIST_LENGTH, variables);
    }
  } else {
    checkScalarLiteral(node, path, variables);
  }
}

/** A scalar's literal: text, or a list or object when the scalar takes JSON (`_Any`). */
function checkScalarLiteral(node: ValueNode, path: string, variables: Variables): void {
  if (node.kind === Kind.STRING) checkText(node.value, path);
  else if (node.kind === Kind.VARIABLE) checkJson(variables[node.name.value], path);
  else if (node.kind === Kind.LIST) {
    checkLength(node.values.length, path, MAX_LIST_LENGTH);
    node.values.forEach((item, index) => checkScalarLiteral(item, `${path}[${index}]`, variables));
  } else if (node.kind === Kind.OBJECT) {
    for (const field of node.fields) checkScalarLiteral(field.value, `${path}.${field.name.value}`, variables);
  }
}

function checkValue(value: unknown, type: GraphQLInputType, path: string, max: number): void {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return checkValue(value, nullable.ofType, path, MAX_LIST_LENGTH);
    checkLength(value.length, path, max);
    value.forEach((item, index) => checkValue(item, nullable.ofType, `${path}[${index}]`, MAX_LIST_LENGTH));
  } else if (isInputObjectType(nullable) && isPlainObject(value)) {
    const fields = nullable.getFields();
    for (const [name, field] of Object.entries(value)) {
      const definition = fields[name];
      if (definition) checkValue(field, definition.type, `${path}.${name}`, MAX_LIST_LENGTH);
    }
  } else {
    checkJson(value, path);
  }
}

/** A scalar's value from a variable: text, or whatever JSON a scalar such as `_Any` takes. */
function checkJson(value: unknown, path: string): void {
  if (typeof value === 'string') checkText(value, path);
  else if (Array.isArray(value)) {
    checkLength(value.length, path, MAX_LIST_LENGTH);
    value.forEach((item, index) => checkJson(item, `${path}[${index}]`));
  } else if (isPlainObject(value)) {
    for (const [name, field] of Object.entries(value)) checkJson(field, `${path}.${name}`);
  }
}

function checkLength(length: number, path: string, max: number): void {
  if (length <= max) return;
  throw refusal(`The list "${path}" has ${length} items; at most ${max} are allowed. Send fewer values, or split them over several requests`, {
    argumentName: path,
    maximum: max,
    value: length,
  });
}

function checkText(text: string, path: string): void {
  if (!text.includes('\u0000')) return;
  throw refusal(`The text in "${path}" contains a NUL character (U+0000), which no store takes as data; remove it`, { argumentName: path });
}

function refusal(message: string, details: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    // 200, as for a field's BAD_USER_INPUT: a subgraph's caller is the gateway, which hands the errors of a 200
    // answer to its client with their codes, and turns any other status into DOWNSTREAM_SERVICE_ERROR.
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...details, http: { status: 200 } },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
