import type { StoreStats } from '../store-observer';
import { compareKeys, keyAt } from './embedded-key';
import type { Entry, Span } from './embedded-ordered-index';
import { UNFILTERED, type DocumentMatcher } from './embedded-filter';
import type { OrderedKey, SortedScan } from './embedded-plan';
import type { Document, SortSpec } from './store';

/** How often (in entries read) an ordered read pauses, as the store's scans do. */
const PAUSE_EVERY = 256;

/** Said by a read that paused while a write moved the index's entries: it must start again. */
export const MOVED = Symbol('moved');

export interface OrderedRead {
  query: DocumentMatcher;
  sort: SortSpec;
  /** How many matching documents the read needs (skip + limit), in sort order. */
  wanted: number;
  stats: Required<StoreStats>;
  /** A turn of the event loop and a look at the deadline. */
  pause(): Promise<void>;
}

/**
 * The first `wanted` documents that match, in sort order, read from a scan's spans a run of ties at a time:
 * the ties the index order leaves are sorted as mingo sorts (stable in insertion order). Undefined when a
 * document the index could not place matches, or a tie holds an array in the rest of the sort: then only
 * mingo's sort of the whole set gives mingo's order. MOVED when a write moved the entries during a pause.
 */
export async function readInIndexOrder<T extends Document>(scan: SortedScan<T>, read: OrderedRead): Promise<T[] | undefined | typeof MOVED> {
  const { index } = scan;
  const { query, stats } = read;
  stats.documentsExamined += index.unordered.size;
  for (const doc of index.unordered) if (query.test(doc)) return undefined;
  const version = index.version;
  const selected: T[] = [];
  let ties: Array<Entry<T>> = [];
  /** Adds the matching ties in sort order; false when only a whole sort can order them. */
  const takeTies = (): boolean => {
    stats.documentsExamined += ties.length;
    const matching = ties.filter((entry) => query.test(entry.doc)).sort((a, b) => a.ordinal - b.ordinal).map((entry) => entry.doc);
    ties = [];
    if (scan.rest.length === 0 || matching.length < 2) {
      selected.push(...matching);
      return true;
    }
    // mingo orders arrays against other values by how the whole set compares.
    if (matching.some((doc) => scan.rest.some((segments) => keyAt(doc, segments) === undefined))) return false;
    selected.push(...(UNFILTERED.find<T>(matching).sort(read.sort).all() as T[]));
    return true;
  };
  let entriesRead = 0;
  for (const entry of mergedEntries(scan)) {
    if (ties.length > 0 && compareByKeys(ties[0], entry, scan.keys) !== 0) {
      if (!takeTies()) return undefined;
      if (selected.length >= read.wanted) return selected;
    }
    ties.push(entry);
    if (++entriesRead % PAUSE_EVERY === 0) {
      await read.pause();
      if (index.version !== version) return MOVED;
    }
  }
  return takeTies() ? selected : undefined;
}

/** The entries of a scan's spans, merged in the order of its keys. */
function* mergedEntries<T extends Document>(scan: SortedScan<T>): Generator<Entry<T>> {
  const { index, backwards } = scan;
  const step = backwards ? -1 : 1;
  const cursors = scan.spans.map((span) => ({ span, position: backwards ? span.end - 1 : span.start }));
  const live = (cursor: { span: Span; position: number }) => cursor.position >= cursor.span.start && cursor.position < cursor.span.end;
  for (;;) {
    let best: { span: Span; position: number } | undefined;
    for (const cursor of cursors) {
      if (live(cursor) && (!best || compareByKeys(index.entryAt(cursor.position), index.entryAt(best.position), scan.keys) < 0)) best = cursor;
    }
    if (!best) return;
    yield index.entryAt(best.position);
    best.position += step;
  }
}

/** Orders entries by the given sort keys only. */
function compareByKeys<T extends Document>(a: Entry<T>, b: Entry<T>, keys: readonly OrderedKey[]): number {
  for (const { level, direction } of keys) {
    const order = compareKeys(a.keys[level], b.keys[level]);
    if (order !== 0) return order * direction;
  }
  return 0;
}
