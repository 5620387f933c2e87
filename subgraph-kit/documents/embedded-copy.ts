import type { Document } from './store';

/**
 * A deep copy of what a document holds (objects, arrays, dates, primitives): other objects become plain objects
 * of their own enumerable fields. Not structuredClone: that builds its copies in Node's own realm, so under a VM
 * context (Jest) a copied date failed `instanceof Date` in the code that read it.
 */
export function cloneDocument<V>(value: V): V {
  return copyOf(value) as V;
}

function copyOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(copyOf);
  const copy: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const field = (value as Record<string, unknown>)[key];
    setField(copy, key, typeof field === 'object' && field !== null ? copyOf(field) : field);
  }
  return copy;
}

/**
 * A copy of the fields of `doc` that an inclusion projection names (see includedFields), made while copying so
 * that the fields left out are never copied; with `_id` after them when the document has one, as mingo's
 * projection gives.
 */
export function projectedCopy<T extends Document>(doc: T, fields: readonly string[]): T {
  const copy: Record<string, unknown> = {};
  for (const field of fields) {
    const value = Object.hasOwn(doc, field) ? doc[field] : undefined;
    if (value !== undefined) copy[field] = cloneDocument(value);
  }
  if (Object.hasOwn(doc, '_id')) copy._id = cloneDocument(doc._id);
  return copy as T;
}

/** Names a plain object inherits: mingo's projection merges into what the name inherits, which is not copied here. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The fields of an inclusion projection of top-level fields (each 1 or true), which projectedCopy applies, in
 * the order mingo's projection adds them (sorted); undefined for any other projection (dotted paths,
 * exclusions, operators, `_id` or an inherited name named), which mingo must apply.
 */
export function includedFields(projection: Record<string, unknown>): string[] | undefined {
  const fields = Object.keys(projection);
  const included = (field: string) => projection[field] === 1 || projection[field] === true;
  const topLevel = (field: string) => field !== '_id' && !INHERITED_NAMES.has(field) && !field.includes('.') && !field.startsWith('$');
  return fields.every((field) => included(field) && topLevel(field)) ? fields.sort() : undefined;
}

/** An own field even when named __proto__, which plain assignment would take for the prototype. */
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
