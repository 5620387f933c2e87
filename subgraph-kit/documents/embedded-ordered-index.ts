import type { FieldBounds } from './embedded-bounds';
import { compareKeys, isAboveLower, isBelowUpper, keyAt, type Interval, type Key } from './embedded-key';
import type { InsertionOrder } from './insertion-order';
import type { Document, IndexSpec } from './store';

/** One document's place in an ordered index: its keys in the index's fields, then its insertion ordinal. */
export interface Entry<T> {
  keys: Key[];
  ordinal: number;
  doc: T;
}

/** Positions [start, end) of an ordered index. */
export interface Span {
  start: number;
  end: number;
}

/** Above this many documents at once, sorting the whole index again is cheaper than placing each. */
const REBUILD_AT = 64;

/**
 * A compound index in the order MongoDB keeps one: entries sorted by the index's fields, each ascending or
 * descending as declared, ties in insertion order. Documents whose indexed fields hold an array (MongoDB's
 * multikey case) or a value without a place in the order are kept aside, unordered, for the reader to evaluate.
 * Stored documents are never changed in place, so a document's keys are the same when it leaves as when it came.
 */
export class OrderedIndex<T extends Document> {
  readonly name: string;
  readonly fields: readonly string[];
  readonly directions: ReadonlyArray<1 | -1>;
  /** Documents the order cannot place; every reader through this index evaluates them too. */
  readonly unordered = new Set<T>();
  /** Advanced by every write that moves entries (a replace in place moves none), so that a reader that paused knows its positions may have moved. */
  version = 0;
  private readonly segments: string[][];
  private entries: Array<Entry<T>> = [];

  constructor(
    spec: IndexSpec,
    private readonly order: InsertionOrder<T>,
  ) {
    this.name = spec.name;
    this.fields = Object.keys(spec.key);
    this.directions = Object.values(spec.key);
    this.segments = this.fields.map((field) => field.split('.'));
  }

  get size(): number {
    return this.entries.length;
  }

  entryAt(position: number): Entry<T> {
    return this.entries[position];
  }

  addAll(docs: readonly T[]): void {
    this.version += 1;
    if (docs.length < REBUILD_AT) {
      for (const doc of docs) this.add(doc);
      return;
    }
    for (const doc of docs) {
      const entry = this.entryOf(doc);
      if (entry) this.entries.push(entry);
      else this.unordered.add(doc);
    }
    this.entries.sort((a, b) => this.compare(a, b));
  }

  add(doc: T): void {
    this.version += 1;
    const entry = this.entryOf(doc);
    if (!entry) {
      this.unordered.add(doc);
      return;
    }
    this.entries.splice(this.firstWhere(0, this.entries.length, (other) => this.compare(other, entry) > 0), 0, entry);
  }

  remove(doc: T): void {
    this.version += 1;
    if (this.unordered.delete(doc)) return;
    const position = this.positionOf(this.entryOf(doc)!);
    if (this.entries[position]?.doc === doc) this.entries.splice(position, 1);
  }

  /** An update that leaves this index's keys as they were takes the old entry's place: nothing moves. */
  replace(old: T, updated: T): void {
    const before = this.unordered.has(old) ? undefined : this.entryOf(old);
    const after = this.entryOf(updated);
    if (before && after && this.compare(before, after) === 0) {
      const position = this.positionOf(before);
      if (this.entries[position]?.doc === old) {
        this.entries[position] = after;
        return;
      }
    }
    this.remove(old);
    this.add(updated);
  }

  /**
   * The spans of entries within the bounds, for the first `levels` fields: each of the first `split` fields is
   * split into one span per key it holds there (so each span holds one key in each), and the field after them
   * is cut to its intervals without splitting (so each span is in that field's order). Undefined past `most` spans.
   */
  spans(bounds: ReadonlyMap<string, FieldBounds>, split: number, most: number): Span[] | undefined {
    const spans: Span[] = [];
    const walk = (start: number, end: number, level: number): boolean => {
      if (start >= end) return true;
      const field = this.fields[level];
      const intervals = field === undefined ? undefined : bounds.get(field)?.intervals;
      if (level === split && !intervals) {
        spans.push({ start, end });
        return spans.length <= most;
      }
      for (const interval of intervals ?? [{}]) {
        const [from, to] = this.within(start, end, level, interval);
        if (level === split) {
          if (from < to) spans.push({ start: from, end: to });
          if (spans.length > most) return false;
          continue;
        }
        for (let run = from; run < to; ) {
          const key = this.entries[run].keys[level];
          const runEnd = this.firstWhere(run, to, (entry) => compareKeys(entry.keys[level], key) !== 0);
          if (!walk(run, runEnd, level + 1)) return false;
          run = runEnd;
        }
      }
      return true;
    };
    return walk(0, this.entries.length, 0) ? spans : undefined;
  }

  /** Where an entry equal to `entry` in index order is, or would be. */
  private positionOf(entry: Entry<T>): number {
    return this.firstWhere(0, this.entries.length, (other) => this.compare(other, entry) >= 0);
  }

  /** Index order: the fields in their directions, then insertion order. */
  compare(a: Entry<T>, b: Entry<T>): number {
    for (let i = 0; i < this.directions.length; i++) {
      const order = compareKeys(a.keys[i], b.keys[i]);
      if (order !== 0) return order * this.directions[i];
    }
    return a.ordinal - b.ordinal;
  }

  /** Where the entries of a span whose earlier fields are all equal have the field at `level` in the interval. */
  private within(start: number, end: number, level: number, interval: Interval): [number, number] {
    const inside = (entry: Entry<T>) => isAboveLower(entry.keys[level], interval.lower) && isBelowUpper(entry.keys[level], interval.upper);
    // Ascending, the entries below the interval come first; descending, those above it.
    const before = this.directions[level] === 1 ? (entry: Entry<T>) => !isAboveLower(entry.keys[level], interval.lower) : (entry: Entry<T>) => !isBelowUpper(entry.keys[level], interval.upper);
    const from = this.firstWhere(start, end, (entry) => !before(entry));
    const to = this.firstWhere(from, end, (entry) => !inside(entry));
    return [from, to];
  }

  private entryOf(doc: T): Entry<T> | undefined {
    const keys: Key[] = [];
    for (const segments of this.segments) {
      const key = keyAt(doc, segments);
      if (key === undefined) return undefined;
      keys.push(key);
    }
    return { keys, ordinal: this.order.of(doc), doc };
  }

  /** The first position in [start, end) whose entry satisfies `test`, which holds for a suffix of the range. */
  private firstWhere(start: number, end: number, test: (entry: Entry<T>) => boolean): number {
    let low = start;
    let high = end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (test(this.entries[middle])) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
