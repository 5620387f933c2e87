import type { InsertionOrder } from './insertion-order';
import { isOperatorCondition, isPlainObject } from './embedded-condition';
import type { Document } from './store';

/** One indexed field path: for each value found there, the documents that hold it. */
interface PathIndex<T> {
  segments: string[];
  buckets: Map<string, Set<T>>;
}

const NONE: ReadonlySet<never> = new Set();

/**
 * Equality (hash) indexes over field paths of one collection's documents. They only narrow: `candidates`
 * returns every document that the equality conditions of a filter allow, in insertion order, and the store still
 * evaluates the whole filter over those. A document an index leaves out can never match; one it keeps may not.
 * Stored documents are never changed in place (an update replaces the object), so a document's index keys
 * are the same when it is removed as when it was added.
 */
export class EqualityIndexes<T extends Document> {
  private readonly paths = new Map<string, PathIndex<T>>();

  constructor(private readonly order: InsertionOrder<T>) {}

  /** Indexes a path over the documents already stored. */
  addPath(path: string, documents: readonly T[]): void {
    const segments = path.split('.');
    // A numeric segment may address an array position, which the index walk does not follow.
    if (this.paths.has(path) || segments.some((segment) => /^\d+$/.test(segment))) return;
    const index: PathIndex<T> = { segments, buckets: new Map() };
    this.paths.set(path, index);
    for (const doc of documents) addTo(index, doc);
  }

  add(doc: T): void {
    for (const index of this.paths.values()) addTo(index, doc);
  }

  remove(doc: T): void {
    for (const index of this.paths.values()) removeFrom(index, doc);
  }

  replace(old: T, updated: T): void {
    this.remove(old);
    for (const index of this.paths.values()) addTo(index, updated);
  }

  /** The documents that may match the filter, in insertion order: all of them when no equality condition narrows. */
  candidates(filter: Document, documents: readonly T[]): readonly T[] {
    const narrowed = this.narrow(filter);
    if (!narrowed) return documents;
    // For a large share, keeping the documents' own order is cheaper than sorting.
    if (narrowed.size * 8 > documents.length) return documents.filter((doc) => narrowed.has(doc));
    return [...narrowed].sort((a, b) => this.order.of(a) - this.order.of(b));
  }

  /**
   * At most how many documents `candidates` would return, from the sizes of the buckets it would combine and
   * without combining them; undefined when no condition narrows.
   */
  estimate(filter: unknown): number | undefined {
    if (!isPlainObject(filter)) return undefined;
    const sizes: Array<number | undefined> = [];
    for (const [field, condition] of Object.entries(filter)) {
      if (field === '$and' && Array.isArray(condition)) {
        for (const branch of condition) sizes.push(this.estimate(branch));
      } else if (field === '$or') {
        const branches = Array.isArray(condition) && condition.length > 0 ? condition.map((branch) => this.estimate(branch)) : [undefined];
        sizes.push(branches.some((size) => size === undefined) ? undefined : branches.reduce((sum: number, size) => sum + size!, 0));
      } else if (!field.startsWith('$')) {
        sizes.push(this.matchingSize(field, condition));
      }
    }
    const narrowing = sizes.filter((size): size is number => size !== undefined);
    return narrowing.length === 0 ? undefined : Math.min(...narrowing);
  }

  /** The documents that every narrowing condition of a conjunction allows; undefined when none narrows. */
  private narrow(filter: unknown): ReadonlySet<T> | undefined {
    if (!isPlainObject(filter)) return undefined;
    const sets: Array<ReadonlySet<T> | undefined> = [];
    for (const [field, condition] of Object.entries(filter)) {
      if (field === '$and' && Array.isArray(condition)) {
        for (const branch of condition) sets.push(this.narrow(branch));
      } else if (field === '$or') {
        sets.push(this.union(condition));
      } else if (!field.startsWith('$')) {
        sets.push(this.matching(field, condition));
      }
    }
    return intersection(sets);
  }

  /** An $or narrows only when every branch does. */
  private union(branches: unknown): ReadonlySet<T> | undefined {
    if (!Array.isArray(branches) || branches.length === 0) return undefined;
    const sets: Array<ReadonlySet<T>> = [];
    for (const branch of branches) {
      const set = this.narrow(branch);
      if (!set) return undefined;
      sets.push(set);
    }
    return sets.length === 1 ? sets[0] : new Set(sets.flatMap((set) => [...set]));
  }

  /** How many documents `matching` would allow, without building the union of an $in. */
  private matchingSize(path: string, condition: unknown): number | undefined {
    const index = this.paths.get(path);
    if (!index) return undefined;
    if (!isOperatorCondition(condition)) return bucket(index, condition)?.size;
    const sizes = Array.isArray(condition.$in) ? condition.$in.map((value) => bucket(index, value)?.size) : [undefined];
    const within = sizes.some((size) => size === undefined) ? undefined : sizes.reduce((sum: number, size) => sum + size!, 0);
    const equal = bucket(index, condition.$eq)?.size;
    return equal === undefined ? within : within === undefined ? equal : Math.min(equal, within);
  }

  /** A condition on one field: plain equality, $eq, or $in of indexable values; other operators never narrow. */
  private matching(path: string, condition: unknown): ReadonlySet<T> | undefined {
    const index = this.paths.get(path);
    if (!index) return undefined;
    if (!isOperatorCondition(condition)) return bucket(index, condition);
    const within = Array.isArray(condition.$in) ? anyOf(index, condition.$in) : undefined;
    return intersection([bucket(index, condition.$eq), within]);
  }
}

function bucket<T>(index: PathIndex<T>, value: unknown): ReadonlySet<T> | undefined {
  const key = valueKey(value);
  if (key === undefined) return undefined;
  return index.buckets.get(key) ?? NONE;
}

function anyOf<T>(index: PathIndex<T>, values: unknown[]): ReadonlySet<T> | undefined {
  const sets: Array<ReadonlySet<T>> = [];
  for (const value of values) {
    const set = bucket(index, value);
    if (!set) return undefined;
    sets.push(set);
  }
  return sets.length === 1 ? sets[0] : new Set(sets.flatMap((set) => [...set]));
}

/** What all the narrowing sets hold, found by walking the smallest; undefined when there is none. */
function intersection<T>(sets: Array<ReadonlySet<T> | undefined>): ReadonlySet<T> | undefined {
  const narrowing = sets.filter((set): set is ReadonlySet<T> => set !== undefined).sort((a, b) => a.size - b.size);
  const [smallest, ...others] = narrowing;
  if (others.length === 0) return smallest;
  return new Set([...smallest].filter((doc) => others.every((set) => set.has(doc))));
}

function addTo<T extends Document>(index: PathIndex<T>, doc: T): void {
  for (const key of keysAt(doc, index.segments)) {
    let documents = index.buckets.get(key);
    if (!documents) index.buckets.set(key, (documents = new Set()));
    documents.add(doc);
  }
}

function removeFrom<T extends Document>(index: PathIndex<T>, doc: T): void {
  for (const key of keysAt(doc, index.segments)) {
    const documents = index.buckets.get(key);
    documents?.delete(doc);
    if (documents?.size === 0) index.buckets.delete(key);
  }
}

/**
 * The keys of every indexable value at a path, descending through arrays as MongoDB does. It descends through
 * nested arrays too, which MongoDB does not: an extra key only makes a document a candidate mingo then rejects.
 */
function keysAt(doc: Document, segments: string[]): Set<string> {
  const keys = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (Array.isArray(value)) {
      for (const element of value) walk(element, depth);
    } else if (depth === segments.length) {
      const key = valueKey(value);
      if (key !== undefined) keys.add(key);
    } else if (isPlainObject(value)) {
      walk(value[segments[depth]], depth + 1);
    }
  };
  walk(doc, 0);
  return keys;
}

/**
 * A value's key in an equality index, by type and value (mingo's equality never matches across types, so
 * "1" and 1 differ); undefined for what no index holds: null, missing, objects, arrays, NaN and infinities.
 */
export function valueKey(value: unknown): string | undefined {
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'number') return Number.isFinite(value) ? `n:${value}` : undefined;
  if (typeof value === 'boolean') return `b:${value}`;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return `d:${value.getTime()}`;
  return undefined;
}

