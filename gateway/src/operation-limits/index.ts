import type { ClientKind } from '../../../lib/principal';
import type { DocumentEntry } from '../pipeline/documents';
import { refusal } from '../pipeline/errors';
import type { GatewayPlugin } from '../pipeline/plugin';
import type { OperationRequest } from '../pipeline/request';
import type { OperationLimits } from './config';
import { measureInputs, measureListLiterals, type ListLiterals } from './inputs';
import { measureOperation, STANDARD_INTROSPECTION_DEPTH, type OperationShape } from './measure';

export const LIMIT_EXCEEDED = 'OPERATION_LIMIT_EXCEEDED';

/** Where a document's measured shapes are kept, by operation name: facts of the document, true for every caller. */
const SHAPES = Symbol('operation shapes');
/** Where a document's list literals are kept, measured once. */
const LIST_LITERALS = Symbol('list literals');

/**
 * Bounds each operation by its client kind's limits, cheapest first: the text's bytes before it is parsed,
 * its tokens and shape (depth, aliases, root fields, directives, expanded fields) before it is validated, and
 * the lists in its inputs before its variables are coerced. Each refusal names the limit, the value and the
 * maximum. What is cached is the measure, never the verdict: each request is checked against its own kind.
 */
export function useOperationLimits(limits: Readonly<Record<ClientKind, OperationLimits>>): GatewayPlugin {
  return {
    name: 'operation-limits',
    onParams(operation) {
      const { query } = operation.params;
      if (typeof query === 'string') check(operation, 'maxBytes', Buffer.byteLength(query));
    },
    onDocument(operation, entry) {
      check(operation, 'maxTokens', entry.tokens);
      const shape = shapeOf(entry, operation);
      check(operation, 'maxDepth', shape.depth);
      // Introspection may go as deep as the introspection query that tools send, and no deeper.
      check(operation, 'maxDepth', shape.introspectionDepth, ' (introspection)', Math.max(STANDARD_INTROSPECTION_DEPTH, limits[operation.principal.kind].maxDepth));
      check(operation, 'maxAliases', shape.aliases);
      check(operation, 'maxRootFields', shape.rootFields);
      check(operation, 'maxDirectives', shape.directives);
      check(operation, 'maxFields', shape.fields);
      const inputs = measureInputs(listLiteralsOf(entry), operation.params.variables ?? {});
      check(operation, 'maxInputDepth', inputs.depth);
      if (inputs.longest) check(operation, 'maxListLength', inputs.longest.length, ` (${inputs.longest.where})`);
      check(operation, 'maxListItems', inputs.items);
    },
  };

  function check(operation: OperationRequest, limit: keyof OperationLimits, value: number, where = '', maximum = limits[operation.principal.kind][limit]): void {
    const kind = operation.principal.kind;
    if (value <= maximum) return;
    throw refusal(`Operation exceeds ${limit} for ${kind} clients: ${value} > ${maximum}${where}`, LIMIT_EXCEEDED, { status: 400 }, { limit, value, maximum });
  }
}

function shapeOf(entry: DocumentEntry, operation: OperationRequest): OperationShape {
  let shapes = entry.facts.get(SHAPES) as Map<string, OperationShape> | undefined;
  if (!shapes) entry.facts.set(SHAPES, (shapes = new Map()));
  const name = operation.operationName ?? '';
  let shape = shapes.get(name);
  if (!shape) shapes.set(name, (shape = measureOperation(entry.document!, operation.operation!)));
  return shape;
}

function listLiteralsOf(entry: DocumentEntry): ListLiterals {
  let literals = entry.facts.get(LIST_LITERALS) as ListLiterals | undefined;
  if (!literals) entry.facts.set(LIST_LITERALS, (literals = measureListLiterals(entry.document!)));
  return literals;
}
