import { GraphQLError } from 'graphql';
import { LIST_MARKER, TYPENAME_ALIAS, type Removal } from './authorize-operation';

export const UNAUTHORIZED_CODE = 'UNAUTHORIZED_FIELD_OR_TYPE';

type Data = Record<string, unknown>;
type ConcretePath = Array<string | number>;

/** One error per removed field, with the field's path: Apollo Router's message and code. */
export function unauthorizedErrors(removals: readonly Removal[]): GraphQLError[] {
  return removals
    .filter((removal) => removal.reported)
    .map((removal) => new GraphQLError('Unauthorized field or type', { path: removal.path, extensions: { code: UNAUTHORIZED_CODE } }));
}

/**
 * Puts null back where fields were removed before planning, bubbling to the nearest nullable position as
 * GraphQL execution would, and drops the __typename aliases added to tell objects apart. Returns the new
 * data (null when a non-null root field was removed).
 */
export function restoreRemovedFields(data: Data | null | undefined, removals: readonly Removal[]): Data | null {
  if (data === null || data === undefined) return data ?? null;
  const nullTargets: ConcretePath[] = [];
  for (const removal of removals) {
    const parentPattern = removal.path.slice(0, -1);
    const fieldKey = removal.path[removal.path.length - 1];
    for (const parent of matchingParents(data, parentPattern, removal.typeNames)) {
      nullTargets.push([...parent, fieldKey].slice(0, removal.nullPath.length));
    }
  }
  let result: Data | null = data;
  for (const target of nullTargets) {
    if (target.length === 0) {
      result = null;
      break;
    }
    setNull(result, target);
  }
  if (result) stripTypenameAliases(result);
  return result;
}

function matchingParents(data: Data, pattern: string[], typeNames: ReadonlySet<string> | undefined): ConcretePath[] {
  const found: ConcretePath[] = [];
  const walk = (node: unknown, depth: number, concrete: ConcretePath) => {
    if (node === null || node === undefined || typeof node !== 'object') return;
    if (depth === pattern.length) {
      if (Array.isArray(node)) return;
      const typename = (node as Data)[TYPENAME_ALIAS] ?? (node as Data).__typename;
      if (!typeNames || (typeof typename === 'string' && typeNames.has(typename))) found.push(concrete);
      return;
    }
    const segment = pattern[depth];
    if (segment === LIST_MARKER) {
      if (Array.isArray(node)) node.forEach((item, index) => walk(item, depth + 1, [...concrete, index]));
      return;
    }
    walk((node as Data)[segment], depth + 1, [...concrete, segment]);
  };
  walk(data, 0, []);
  return found;
}

function setNull(data: Data, target: ConcretePath): void {
  let node: unknown = data;
  for (const key of target.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (node !== null && typeof node === 'object') (node as Record<string | number, unknown>)[target[target.length - 1]] = null;
}

function stripTypenameAliases(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) stripTypenameAliases(item);
    return;
  }
  delete (node as Data)[TYPENAME_ALIAS];
  for (const value of Object.values(node)) stripTypenameAliases(value);
}
