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
 * shared by several requests (deduplication), so nothing after execution changes it. Only the objects and
 * lists on the way to a change are copied; the rest of the new data is `data`'s own, unchanged.
 */
export function restoreRemovedFields(data: Data | null | undefined, removals: readonly Removal[]): Data | null {
  if (data === null || data === undefined) return data ?? null;
  const edits: Edits = { children: new Map(), stripAlias: false };
  for (const removal of removals) {
    const parentPattern = removal.path.slice(0, -1);
    const fieldKey = removal.path[removal.path.length - 1];
    for (const { path: parent, typename } of parentsAt(data, parentPattern)) {
      // The alias was selected on every object at this path, whatever its type: each loses it.
      if (removal.typeNames) editAt(edits, parent).stripAlias = true;
      if (removal.typeNames && !(typeof typename === 'string' && removal.typeNames.has(typename))) continue;
      const target = [...parent, fieldKey].slice(0, removal.nullPath.length);
      if (target.length === 0) return null;
      const last = target.pop()!;
      const at = editAt(edits, target);
      at.children.set(last, NULL_HERE);
    }
  }
  return applyEdits(data, edits) as Data;
}

/** What changes under one object or list: null at a key, changes further down, and whether it loses the alias. */
interface Edits {
  children: Map<string | number, Edits | typeof NULL_HERE>;
  stripAlias: boolean;
}
const NULL_HERE = Symbol('null here');

/** The edits of the node at `path`, made on the way; under a key already set to null, a throwaway that nothing reads. */
function editAt(root: Edits, path: ConcretePath): Edits {
  let node = root;
  for (const key of path) {
    const existing = node.children.get(key);
    // Under a null nothing is written; edits made there go nowhere.
    if (existing === NULL_HERE) return { children: new Map(), stripAlias: false };
    let next = existing;
    if (!next) node.children.set(key, (next = { children: new Map(), stripAlias: false }));
    node = next;
  }
  return node;
}

/** A copy of `node` with its edits applied: null at keys (added where the field is absent), aliases dropped. */
function applyEdits(node: unknown, edits: Edits): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    return node.map((item, index) => {
      const edit = edits.children.get(index);
      return edit === undefined ? item : edit === NULL_HERE ? null : applyEdits(item, edit);
    });
  }
  const copy: Data = {};
  for (const key of Object.keys(node)) {
    if (edits.stripAlias && key === TYPENAME_ALIAS) continue;
    const edit = edits.children.get(key);
    const value = (node as Data)[key];
    copy[key] = edit === undefined ? value : edit === NULL_HERE ? null : applyEdits(value, edit);
  }
  for (const [key, edit] of edits.children) {
    if (edit === NULL_HERE && typeof key === 'string' && !(key in copy)) copy[key] = null;
  }
  return copy;
}

/** Every object at `pattern` (LIST_MARKER for each list level), with its concrete path and its type name. */
function parentsAt(data: Data, pattern: string[]): Array<{ path: ConcretePath; typename: unknown }> {
  const found: Array<{ path: ConcretePath; typename: unknown }> = [];
  const walk = (node: unknown, depth: number, concrete: ConcretePath) => {
    if (node === null || node === undefined || typeof node !== 'object') return;
    if (depth === pattern.length) {
      if (Array.isArray(node)) return;
      found.push({ path: concrete, typename: (node as Data)[TYPENAME_ALIAS] ?? (node as Data).__typename });
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
