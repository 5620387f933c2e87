import { compareKeys, endOf, hull, keyOf, pointInterval, typeEnd, type End, type Interval, type Key } from './embedded-key';
import { isOperatorCondition, isPlainObject } from './embedded-condition';
import type { Document } from './store';

/** The keys a filter allows on one field: disjoint intervals in ascending order (several for an $in). */
export interface FieldBounds {
  intervals: Interval[];
  /** The intervals say all the condition says: a key inside them matches it (for a document without arrays). */
  exact: boolean;
}

/** What a filter's conjunction allows, field by field. */
export interface FilterBounds {
  fields: Map<string, FieldBounds>;
  /** Every condition of the filter is one of `fields`, each exact: a document within all of them matches. */
  exact: boolean;
}

const RANGE_OPERATORS = new Set(['$gt', '$gte', '$lt', '$lte']);

/**
 * The bounds a filter sets on its fields: equality, $eq, $in and ranges on scalar values, in its top-level
 * conjunction and its $and branches; an $or bounds a field that every branch bounds, by their hull. Always a
 * superset of what matches (the store still evaluates the whole filter), exact where that can be told.
 */
export function boundsOf(filter: Document): FilterBounds {
  const fields = new Map<string, FieldBounds>();
  let exact = true;
  const addConjunct = (conjunct: unknown): void => {
    if (!isPlainObject(conjunct)) {
      exact = false;
      return;
    }
    for (const [field, condition] of Object.entries(conjunct)) {
      if (field === '$and' && Array.isArray(condition)) {
        condition.forEach(addConjunct);
      } else if (field === '$or' && Array.isArray(condition) && condition.length > 0) {
        exact = false;
        for (const [orField, bounds] of unionOf(condition.map((branch) => boundsOf(branch as Document)))) if (!fields.has(orField)) fields.set(orField, bounds);
      } else if (field.startsWith('$')) {
        exact = false;
      } else {
        const bounds = conditionBounds(condition);
        // A second condition on a field keeps the first one's bounds: still a superset of what both allow.
        if (!bounds || fields.has(field)) exact = false;
        else fields.set(field, bounds);
        if (bounds && !bounds.exact) exact = false;
      }
    }
  };
  addConjunct(filter);
  return { fields, exact };
}

/** The fields every branch of an $or bounds, each by the hull of the branches' intervals. */
function unionOf(branches: FilterBounds[]): Map<string, FieldBounds> {
  const union = new Map<string, FieldBounds>();
  const [first, ...others] = branches;
  for (const [field, bounds] of first.fields) {
    const all = [bounds, ...others.map((branch) => branch.fields.get(field))];
    if (all.some((b) => !b || b.intervals.length === 0)) continue;
    const intervals = all.flatMap((b) => b!.intervals);
    union.set(field, { intervals: [intervals.reduce(hull)], exact: false });
  }
  return union;
}

/** The bounds of one field's condition; undefined when it sets none an index can use. */
function conditionBounds(condition: unknown): FieldBounds | undefined {
  if (!isOperatorCondition(condition)) {
    const key = keyOf(condition);
    return key === undefined ? undefined : { intervals: [pointInterval(key)], exact: true };
  }
  const operators = Object.keys(condition);
  if ('$eq' in condition) {
    const key = keyOf(condition.$eq);
    return key === undefined ? undefined : { intervals: [pointInterval(key)], exact: operators.length === 1 };
  }
  if (Array.isArray(condition.$in)) {
    const keys = condition.$in.map(keyOf);
    if (keys.some((key) => key === undefined)) return undefined;
    return { intervals: distinctSorted(keys as Key[]).map(pointInterval), exact: operators.length === 1 };
  }
  const range = rangeOf(condition);
  return range && { intervals: [range], exact: operators.every((operator) => RANGE_OPERATORS.has(operator)) };
}

/** $gt/$gte/$lt/$lte on one type (a range across types matches nothing in MongoDB; it is left to the filter). */
function rangeOf(condition: Record<string, unknown>): Interval | undefined {
  const ends: Array<{ operator: string; key: Key }> = [];
  for (const operator of RANGE_OPERATORS) {
    if (!(operator in condition)) continue;
    const key = keyOf(condition[operator]);
    if (key === undefined || key === null) return undefined;
    ends.push({ operator, key });
  }
  if (ends.length === 0) return undefined;
  let lower: End | undefined;
  let upper: End | undefined;
  for (const { operator, key } of ends) {
    if (operator.startsWith('$g')) lower = endOf(key, operator === '$gte');
    else upper = endOf(key, operator === '$lte');
  }
  if (lower && upper && lower.rank !== upper.rank) return undefined;
  return { lower: lower ?? typeEnd(upper!.key!), upper: upper ?? typeEnd(lower!.key!) };
}

function distinctSorted(keys: Key[]): Key[] {
  const sorted = [...keys].sort(compareKeys);
  return sorted.filter((key, i) => i === 0 || compareKeys(sorted[i - 1], key) !== 0);
}

