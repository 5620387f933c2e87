import { boundsOf } from './embedded-bounds';
import type { OrderedIndex, Span } from './embedded-ordered-index';
import type { Document, SortSpec } from './store';

/** The most spans one read walks: beyond it, splitting the leading fields costs more than it saves. */
const MOST_SPANS = 64;
const MOST_SHAPES = 1000;

/** A sort key an index gives in its order: the field's level in the index, and the direction the sort wants. */
export interface OrderedKey {
  level: number;
  direction: 1 | -1;
}

/**
 * How one index can give a sort: split its first `split` fields into one span per key (each span then holds
 * one value of each), and read each span forwards or backwards; the merged spans come out in the order of
 * `keys`, the leading sort keys. Which plans an index offers depends on the filter's shape only.
 */
interface SortPlan<T extends Document> {
  index: OrderedIndex<T>;
  split: number;
  backwards: boolean;
  keys: OrderedKey[];
}

/** A sort plan with the spans the filter's values give it. */
export interface SortedScan<T extends Document> {
  index: OrderedIndex<T>;
  spans: Span[];
  backwards: boolean;
  keys: OrderedKey[];
  /** How many entries the spans hold, with the index's unordered documents: the most the read examines. */
  cost: number;
  /** The paths of the sort keys after `keys`, which the index does not give: each run of ties in `keys` is sorted by them after. */
  rest: string[][];
}

/** An index's spans that hold every document a filter can match (besides the index's unordered ones). */
export interface CountScan<T extends Document> {
  index: OrderedIndex<T>;
  spans: Span[];
  /** Every document in the spans matches: they are counted without being evaluated. */
  exact: boolean;
  /** The documents the count examines: the index's unordered ones, and the spans' entries unless exact. */
  cost: number;
}

/**
 * Chooses, for a filter and a sort, the ordered index that answers with the fewest entries to walk, as
 * MongoDB's planner chooses an index bounded by a query's equality prefix and range. The plans each index
 * offers are worked out once per query shape (the bounded fields and the sort) and cached.
 */
export class QueryPlanner<T extends Document> {
  private readonly sortPlans = new Map<string, Array<SortPlan<T>>>();

  constructor(private readonly indexes: ReadonlyArray<OrderedIndex<T>>) {}

  /** Forgets the cached plans: the indexes changed. */
  reset(): void {
    this.sortPlans.clear();
  }

  sortedScan(filter: Document, sort: SortSpec): SortedScan<T> | undefined {
    const bounds = boundsOf(filter);
    const shape = `${[...bounds.fields.keys()].sort().join(',')}|${JSON.stringify(sort)}`;
    let plans = this.sortPlans.get(shape);
    if (!plans) {
      // Shapes come from the repositories' code, so they are few; the bound only guards against a caller that varies them.
      if (this.sortPlans.size >= MOST_SHAPES) this.sortPlans.clear();
      this.sortPlans.set(shape, (plans = this.indexes.flatMap((index) => sortPlansOf(index, sort))));
    }
    let best: { plan: SortPlan<T>; spans: Span[]; cost: number } | undefined;
    for (const plan of plans) {
      const spans = plan.index.spans(bounds.fields, plan.split, MOST_SPANS);
      if (!spans) continue;
      const cost = plan.index.unordered.size + entriesIn(spans);
      if (!best || cost < best.cost || (cost === best.cost && plan.keys.length > best.plan.keys.length)) best = { plan, spans, cost };
    }
    if (!best) return undefined;
    const { index, backwards, keys } = best.plan;
    return { index, spans: best.spans, cost: best.cost, backwards, keys, rest: Object.keys(sort).slice(keys.length).map((field) => field.split('.')) };
  }

  countScan(filter: Document): CountScan<T> | undefined {
    const bounds = boundsOf(filter);
    let best: CountScan<T> | undefined;
    for (const index of this.indexes) {
      const levels = index.fields.map((field, level) => (bounds.fields.has(field) ? level : -1)).filter((level) => level >= 0);
      if (levels.length === 0) continue;
      const spans = index.spans(bounds.fields, Math.max(...levels), MOST_SPANS);
      if (!spans) continue;
      const exact = bounds.exact && levels.length === bounds.fields.size;
      const cost = index.unordered.size + (exact ? 0 : entriesIn(spans));
      if (!best || cost < best.cost) best = { index, spans, exact, cost };
    }
    return best;
  }
}

export function entriesIn(spans: readonly Span[]): number {
  return spans.reduce((sum, span) => sum + span.end - span.start, 0);
}

/** Every way `index` gives the leading keys of `sort`, one per number of leading fields split. */
function sortPlansOf<T extends Document>(index: OrderedIndex<T>, sort: SortSpec): Array<SortPlan<T>> {
  const plans: Array<SortPlan<T>> = [];
  for (let split = 0; split <= index.fields.length; split++) {
    const keys: OrderedKey[] = [];
    let next = split;
    let backwards: boolean | undefined;
    for (const [field, direction] of Object.entries(sort)) {
      const level = index.fields.indexOf(field);
      // A split field holds one value in each span: it orders the spans and nothing within one.
      if (level >= 0 && level < split) {
        keys.push({ level, direction });
        continue;
      }
      if (level !== next || level < 0) break;
      const against = direction !== index.directions[level];
      if (backwards !== undefined && against !== backwards) break;
      backwards = against;
      keys.push({ level, direction });
      next += 1;
    }
    if (keys.length > 0) plans.push({ index, split, backwards: backwards ?? false, keys });
  }
  return plans;
}
