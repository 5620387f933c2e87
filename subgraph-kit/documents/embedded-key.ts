import type { Document } from './store';

/**
 * A value as an ordered index holds it: null (for null and a missing field alike, as MongoDB sorts them), a
 * number, a string, a boolean or a Date. Dates are the stored documents' own (stored documents are never
 * changed in place), so a key costs no allocation.
 */
export type Key = null | number | string | boolean | Date;

/** Rank of a key's type, in MongoDB's (and mingo's) order across types: null, numbers, strings, booleans, dates. */
function rankOf(key: Key): number {
  if (key === null) return 0;
  switch (typeof key) {
    case 'number':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 3;
    default:
      return 4;
  }
}

function primitiveOf(key: Key): number | string | boolean | null {
  return key instanceof Date ? key.getTime() : key;
}

/** Orders two keys as mingo's sort orders the values (strings by UTF-16 code units, dates by time). */
export function compareKeys(a: Key, b: Key): number {
  const rank = rankOf(a) - rankOf(b);
  if (rank !== 0) return rank;
  const x = primitiveOf(a)!;
  const y = primitiveOf(b)!;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The key of a value, or undefined for one an ordered index cannot place in its order: arrays, objects,
 * regular expressions, NaN and -0 (mingo's sort groups those differently), invalid dates.
 */
export function keyOf(value: unknown): Key | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isNaN(value) || Object.is(value, -0) ? undefined : value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  return undefined;
}

/**
 * The key at a dotted path through nested objects; undefined when the path meets an array (MongoDB's multikey
 * semantics, which an ordered index here does not model) or ends at a value keyOf refuses.
 */
export function keyAt(doc: Document, segments: readonly string[]): Key | undefined {
  let value: unknown = doc;
  for (const segment of segments) {
    if (Array.isArray(value)) return undefined;
    if (value === null || typeof value !== 'object' || value instanceof Date) return null;
    value = (value as Document)[segment];
  }
  return Array.isArray(value) ? undefined : keyOf(value);
}

/** One end of an interval: a key, or without one the first (as a lower end) or last (upper) value of a type. */
export interface End {
  rank: number;
  key?: Key;
  inclusive: boolean;
}

/** The keys a condition allows, in ascending order; an open end is unbounded. */
export interface Interval {
  lower?: End;
  upper?: End;
}

export function endOf(key: Key, inclusive: boolean): End {
  return { rank: rankOf(key), key, inclusive };
}

/** The ends of a whole type: `{$gt: 4}` allows the numbers above 4 only (MongoDB's type bracketing, which mingo shares). */
export function typeEnd(key: Key): End {
  return { rank: rankOf(key), inclusive: true };
}

export function pointInterval(key: Key): Interval {
  return { lower: endOf(key, true), upper: endOf(key, true) };
}

export function isAboveLower(key: Key, lower: End | undefined): boolean {
  if (!lower) return true;
  const rank = rankOf(key) - lower.rank;
  if (rank !== 0) return rank > 0;
  if (lower.key === undefined) return true;
  const order = compareKeys(key, lower.key);
  return order > 0 || (order === 0 && lower.inclusive);
}

export function isBelowUpper(key: Key, upper: End | undefined): boolean {
  if (!upper) return true;
  const rank = rankOf(key) - upper.rank;
  if (rank !== 0) return rank < 0;
  if (upper.key === undefined) return true;
  const order = compareKeys(key, upper.key);
  return order < 0 || (order === 0 && upper.inclusive);
}

/** The smallest interval holding both: what an $or of conditions on one field allows at most. */
export function hull(a: Interval, b: Interval): Interval {
  const lower = !a.lower || !b.lower ? undefined : compareEnds(a.lower, b.lower, -1) <= 0 ? a.lower : b.lower;
  const upper = !a.upper || !b.upper ? undefined : compareEnds(a.upper, b.upper, 1) >= 0 ? a.upper : b.upper;
  return { lower, upper };
}

/** Orders two ends of the same side; `open` is where a type's open end lies (-1 for lower ends, 1 for upper). */
function compareEnds(a: End, b: End, open: -1 | 1): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.key === undefined || b.key === undefined) return a.key === b.key ? 0 : a.key === undefined ? open : -open;
  const order = compareKeys(a.key, b.key);
  if (order !== 0 || a.inclusive === b.inclusive) return order;
  return a.inclusive ? open : -open;
}
