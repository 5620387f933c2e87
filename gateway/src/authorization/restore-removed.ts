import { GraphQLError } from 'graphql';
import { LIST_MARKER, TYPENAME_ALIAS, type Removal } from './authorize-operation';

export const UNAUTHORIZED_CODE = 'UNAUTHORIZED_FIELD_OR_TYPE';

type Data = Record<string, unknown>;
type ConcretePath = Array<string | number>;

/**
 * One error per removed field, with the field's path: Apollo Router's message and code, and what would grant the
 * field, so that a developer knows which scope to ask for: `requiredScopes` (any one inner list, all of its
 * scopes) and `requiredPolicies` (the same, for named policies such as internal).
 */
export function unauthorizedErrors(removals: readonly Removal[]): GraphQLError[] {
  return removals
    .filter((removal) => removal.reported)
    .map((removal) => {
      const { scopes, policies } = removal.requirement ?? { scopes: null, policies: null };
      return new GraphQLError('Unauthorized field or type', {
        path: removal.path,
        extensions: { code: UNAUTHORIZED_CODE, ...(scopes ? { requiredScopes: scopes } : {}), ...(policies ? { requiredPolicies: policies } : {}) },
      });
    });
}

/**
 * Puts null back where fields were removed before planning, bubbling to the nearest nullable position as
 * GraphQL execution would, and drops the __typename aliases added to tell objects apart. Returns new data
 * (null when a non-null root field was removed) and leaves `data` as it was: an execution's result may be
 * shared by several requests (deduplication), so nothing after execution changes it.
 */
export function restoreRemovedFields(data: Data | null | undefined, removals: readonly Removal[]): Data | null {
  if (data === null || data === undefined) return data ?? null;
  const nulls: NullTargets = new Map();
  for (const removal of removals) {
    const parentPattern = removal.path.slice(0, -1);
    const fieldKey = removal.path[removal.path.length - 1];
    for (const parent of matchingParents(data, parentPattern, removal.typeNames)) {
      const target = [...parent, fieldKey].slice(0, removal.nullPath.length);
      if (target.length === 0) return null;
      addTarget(nulls, target);
    }
  }
  return copyRestored(data, nulls) as Data;
}

/** Where null goes, as a tree of keys: NULL_HERE at a key nulls it, a subtree goes further down. */
type NullTargets = Map<string | number, NullTargets | typeof NULL_HERE>;
const NULL_HERE = Symbol('null here');

function addTarget(tree: NullTargets, target: ConcretePath): void {
  let node = tree;
  for (const [index, key] of target.entries()) {
    const existing = node.get(key);
    if (existing === NULL_HERE) return;
    if (index === target.length - 1) {
      node.set(key, NULL_HERE);
      return;
    }
    const next: NullTargets = existing ?? new Map();
    node.set(key, next);
    node = next;
  }
}

/** A copy of `node` with null at the targets (added where the field is absent) and without __typename aliases. */
function copyRestored(node: unknown, nulls: NullTargets | undefined): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    return node.map((item, index) => {
      const target = nulls?.get(index);
      return target === NULL_HERE ? null : copyRestored(item, target);
    });
  }
  const copy: Data = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === TYPENAME_ALIAS) continue;
    const target = nulls?.get(key);
    copy[key] = target === NULL_HERE ? null : copyRestored(value, target);
  }
  for (const [key, target] of nulls ?? []) {
    if (target === NULL_HERE && typeof key === 'string' && !(key in copy)) copy[key] = null;
  }
  return copy;
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
