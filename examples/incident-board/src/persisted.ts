import type { TypedDocumentNode } from '@apollo/client';
import { getOperationAST, parse } from 'graphql';
import { IncidentBoardDocument, IncidentChangesDocument, type TypedDocumentString } from '../../../schema/generated/graphql';

/**
 * The board's operations, from the typed documents `npm run codegen` writes (schema/generated), as Apollo Client
 * takes them (a parsed document), with each one's persisted id: the gateway's manifest lists them, and they are
 * sent by that id alone.
 */

/** The hex of each operation's `sha256:<hex>` id, by operation name. */
const persistedIds = new Map<string, string>();

function persisted<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>): TypedDocumentNode<TResult, TVariables> {
  const parsed = parse(document.toString());
  const name = getOperationAST(parsed)?.name?.value;
  const id = document.__meta__?.hash;
  if (!name || typeof id !== 'string') throw new Error('a generated document without an operation name or persisted id: run npm run codegen');
  persistedIds.set(name, id.replace(/^sha256:/, ''));
  return parsed as TypedDocumentNode<TResult, TVariables>;
}

export const IncidentBoard = persisted(IncidentBoardDocument);
export const IncidentChanges = persisted(IncidentChangesDocument);

/** The persisted id of one of the operations above. */
export function persistedIdOf(operationName: string | null | undefined): string {
  const id = operationName ? persistedIds.get(operationName) : undefined;
  if (!id) throw new Error(`the board has no persisted id for the operation ${operationName ?? '(anonymous)'}`);
  return id;
}
