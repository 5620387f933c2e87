import { LRUCache } from 'lru-cache';
import { Query } from 'mingo';
import { cloneDeep, compare, isEqual, isOperator, resolve, typeOf } from 'mingo/util';
import type { Document } from './store';

/** What the embedded store evaluates a filter with: a compiled shape bound to the filter's values, or mingo's Query. */
export interface DocumentMatcher {
  test(doc: Document): boolean;
}

/**
 * A filter's matcher. A filter's shape (its fields, operators, nesting, the number of branches of each $and/$or/$nor
 * and the type of each compared value) is compiled once into a predicate that takes the values, so that a read
 * no longer builds a mingo Query, whose construction copies mingo's whole table of operators each time. The
 * predicates give mingo's answers exactly, its quirks included (a comparison only within one type, NaN ordered
 * equal to every number, a field's array elements matched one level deeper per dot in its path); a filter with
 * anything outside the operators below is evaluated by mingo itself.
 */
export function matcherOf(filter: Document): DocumentMatcher {
  const reading = new FilterReading(false);
  if (!readQuery(filter, reading)) return new Query(filter);
  let predicate = compiledShapes.get(reading.shape);
  if (!predicate) {
    predicate = readQuery(filter, new FilterReading(true))!;
    compiledShapes.set(reading.shape, predicate);
  }
  return new BoundShape(predicate, reading.values);
}

/** A compiled shape with one filter's values. */
class BoundShape implements DocumentMatcher {
  constructor(
    private readonly predicate: Predicate,
    private readonly values: readonly unknown[],
  ) {}

  test(doc: Document): boolean {
    return this.predicate(doc, this.values);
  }
}

/** Sorts, skips, limits and projects as mingo does, for every read: building a Query copies mingo's tables of operators. */
export const UNFILTERED = new Query({});

/** A compiled shape: whether a document matches, given the values read from a filter of that shape. */
type Predicate = (doc: Document, values: readonly unknown[]) => boolean;

/** Shapes come from the repositories' code, so they are few; the bound only guards against a caller that varies them. */
const compiledShapes = new LRUCache<string, Predicate>({ max: 500 });

const FIELD_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

/**
 * One walk over a filter: its shape as text and its values in walk order (each prepared as its operator tests
 * it). Compiling, the walk also builds the predicates; reading only, it returns PLACEHOLDER for each, since
 * the cached predicate of the shape will be used.
 */
class FilterReading {
  shape = '';
  readonly values: unknown[] = [];

  constructor(readonly compiling: boolean) {}

  /** Adds a value; its slot in `values`. */
  bind(value: unknown): number {
    this.values.push(value);
    return this.values.length - 1;
  }
}

const PLACEHOLDER: Predicate = () => {
  throw new Error('a filter read without compiling has no predicate');
};

/** A query object (the filter, or a branch of $and/$or/$nor) as mingo's Query compiles it; undefined when mingo must evaluate it. */
function readQuery(condition: unknown, reading: FilterReading): Predicate | undefined {
  if (typeOf(condition) !== 'object') return undefined;
  const predicates: Predicate[] = [];
  reading.shape += '{';
  for (const [field, expression] of Object.entries(condition as Document)) {
    reading.shape += `${JSON.stringify(field)}:`;
    const predicate = field.startsWith('$') ? readLogical(field, expression, reading) : readField(field, expression, reading);
    if (!predicate) return undefined;
    predicates.push(predicate);
  }
  reading.shape += '}';
  if (!reading.compiling) return PLACEHOLDER;
  return allOf(predicates);
}

function readLogical(operator: string, branches: unknown, reading: FilterReading): Predicate | undefined {
  if ((operator !== '$and' && operator !== '$or' && operator !== '$nor') || !Array.isArray(branches)) return undefined;
  const predicates: Predicate[] = [];
  reading.shape += '[';
  for (const branch of branches) {
    const predicate = readQuery(branch, reading);
    if (!predicate) return undefined;
    predicates.push(predicate);
  }
  reading.shape += ']';
  if (!reading.compiling) return PLACEHOLDER;
  if (operator === '$and') return allOf(predicates);
  const any = anyOf(predicates);
  return operator === '$or' ? any : (doc, values) => !any(doc, values);
}

/** A field's condition, normalized as mingo normalizes it: a value is an $eq, an object with operators is their conjunction. */
function readField(field: string, expression: unknown, reading: FilterReading): Predicate | undefined {
  if (field.includes('__proto__')) return undefined;
  if (expression instanceof RegExp) return undefined;
  const isScalar = typeof expression !== 'object' || expression === null || expression instanceof Date;
  if (isScalar || !Object.keys(expression).some(isOperator)) return readOperator(field, '$eq', expression, reading);
  const predicates: Predicate[] = [];
  for (const [operator, operand] of Object.entries(expression as Document)) {
    if (!FIELD_OPERATORS.has(operator)) return undefined;
    const predicate = readOperator(field, operator, operand, reading);
    if (!predicate) return undefined;
    predicates.push(predicate);
  }
  if (!reading.compiling) return PLACEHOLDER;
  return allOf(predicates);
}

function readOperator(field: string, operator: string, operand: unknown, reading: FilterReading): Predicate | undefined {
  let kind: string;
  let value: unknown;
  switch (operator) {
    case '$eq':
    case '$ne':
      kind = equalityKind(operand);
      value = kind === 'other' ? cloneDeep(operand) : operand;
      break;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      kind = orderKind(operand);
      value = kind === 'date' ? (operand as Date).getTime() : kind === 'other' ? cloneDeep(operand) : operand;
      break;
    case '$in':
    case '$nin': {
      const list = ValueList.of(operand);
      if (!list) return undefined;
      kind = 'list';
      value = list;
      break;
    }
    case '$exists':
      kind = 'flag';
      value = Boolean(operand);
      // mingo resolves a dotted path differently for $exists; left to mingo.
      if (field.includes('.')) return undefined;
      break;
    default:
      return undefined;
  }
  reading.shape += `${operator} ${kind},`;
  const slot = reading.bind(value);
  if (!reading.compiling) return PLACEHOLDER;
  const read = fieldReader(field);
  // mingo's $eq matches an array's elements to as many levels of nesting as the path has dots.
  const depth = field.split('.').length - 1;
  switch (operator) {
    case '$eq': {
      const equals = equalityTest(kind, depth);
      return (doc, values) => equals(read(doc), values[slot]);
    }
    case '$ne': {
      const equals = equalityTest(kind, depth);
      return (doc, values) => !equals(read(doc), values[slot]);
    }
    case '$in':
      return (doc, values) => (values[slot] as ValueList).holdsAnyOf(read(doc));
    case '$nin':
      return (doc, values) => !(values[slot] as ValueList).holdsAnyOf(read(doc));
    case '$exists':
      return (doc, values) => (read(doc) !== undefined) === values[slot];
    default: {
      const within = ORDER_TESTS[operator];
      const comparesTo = orderTest(kind);
      return (doc, values) => comparesTo(read(doc), values[slot], within);
    }
  }
}

/** The types an equality test is specialised for; `other` (dates, objects, arrays...) is tested by mingo's isEqual. */
function equalityKind(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return typeof value;
    default:
      return 'other';
  }
}

function orderKind(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value;
    default:
      return value instanceof Date ? 'date' : 'other';
  }
}

/**
 * mingo's $eq: the value itself equals, or both are null or missing, or the value is an array one of whose
 * elements (flattened `depth` levels) equals. For a string or a boolean, mingo's isEqual is ===; for a number
 * it is === or both NaN; for null and undefined, identity.
 */
function equalityTest(kind: string, depth: number): (value: unknown, wanted: unknown) => boolean {
  switch (kind) {
    case 'string':
    case 'boolean':
      return (value, wanted) => value === wanted || (Array.isArray(value) && someFlattened(value, depth, (element) => element === wanted));
    case 'number':
      return (value, wanted) => sameNumber(value, wanted) || (Array.isArray(value) && someFlattened(value, depth, (element) => sameNumber(element, wanted)));
    case 'null':
    case 'undefined':
      return (value, wanted) => value === null || value === undefined || (Array.isArray(value) && someFlattened(value, depth, (element) => element === wanted));
    default:
      return (value, wanted) =>
        isEqual(value, wanted) || (Array.isArray(value) && (value.some((element) => isEqual(element, wanted)) || someFlattened(value, depth, (element) => isEqual(element, wanted))));
  }
}

function sameNumber(value: unknown, wanted: unknown): boolean {
  return value === wanted || (value !== value && wanted !== wanted);
}

/** Whether an element of the array, with arrays inside it flattened `depth` levels, passes the test (mingo's flatten, without the copy). */
function someFlattened(array: readonly unknown[], depth: number, test: (element: unknown) => boolean): boolean {
  for (const element of array) {
    if (Array.isArray(element) && depth > 0 ? someFlattened(element, depth - 1, test) : test(element)) return true;
  }
  return false;
}

const ORDER_TESTS: Record<string, (order: number) => boolean> = {
  $gt: (order) => order > 0,
  $gte: (order) => order >= 0,
  $lt: (order) => order < 0,
  $lte: (order) => order <= 0,
};

/**
 * mingo's $gt, $gte, $lt and $lte: the value, or one element of it when it is an array, has the bound's type
 * and compares within. Within a type mingo orders by < and >, so NaN (and an invalid date) compares equal to anything.
 */
function orderTest(kind: string): (value: unknown, bound: unknown, within: (order: number) => boolean) => boolean {
  const passes = (element: unknown, bound: unknown, within: (order: number) => boolean): boolean => {
    switch (kind) {
      case 'string':
      case 'number':
      case 'boolean':
        return typeof element === kind && within(orderOf(element as number, bound as number));
      case 'date':
        return element instanceof Date && within(orderOf(element.getTime(), bound as number));
      default:
        return typeOf(element) === typeOf(bound) && within(compare(element, bound));
    }
  };
  return (value, bound, within) => {
    if (!Array.isArray(value)) return passes(value, bound, within);
    for (const element of value) if (passes(element, bound, within)) return true;
    return false;
  };
}

function orderOf<V extends number | string | boolean>(a: V, b: V): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The list of an $in or $nin, as mingo tests it: a null or missing value is in it when it holds null; otherwise
 * the value, or one element of it when it is an array (not flattened), must equal a member. mingo finds members
 * by hash, so a primitive equals by SameValueZero (a Set's equality) and a date by isEqual. Lists holding
 * anything else (undefined, regular expressions, objects, arrays) are left to mingo.
 */
class ValueList {
  private constructor(
    private readonly primitives: ReadonlySet<unknown>,
    private readonly dates: readonly Date[],
    private readonly holdsNull: boolean,
  ) {}

  static of(operand: unknown): ValueList | undefined {
    if (!Array.isArray(operand)) return undefined;
    const primitives = new Set<unknown>();
    const dates: Date[] = [];
    for (const member of operand) {
      if (member instanceof Date) dates.push(new Date(member.getTime()));
      else if (member === null || typeof member === 'string' || typeof member === 'number' || typeof member === 'boolean') primitives.add(member);
      else return undefined;
    }
    return new ValueList(primitives, dates, primitives.has(null));
  }

  holdsAnyOf(value: unknown): boolean {
    if (value === null || value === undefined) return this.holdsNull;
    if (!Array.isArray(value)) return this.holds(value);
    for (const element of value) if (this.holds(element)) return true;
    return false;
  }

  private holds(element: unknown): boolean {
    if (this.primitives.has(element)) return true;
    return this.dates.length > 0 && element instanceof Date && this.dates.some((date) => isEqual(element, date));
  }
}

/** Names an object has from Object.prototype: mingo reads them only as a document's own fields. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
const UNWRAP_ARRAY = { unwrapArray: true };

/** A field's value as mingo resolves it: a dotted path through nested documents and arrays by mingo's own resolve. */
function fieldReader(field: string): (doc: Document) => unknown {
  if (field.includes('.')) return (doc) => resolve(doc, field, UNWRAP_ARRAY);
  if (INHERITED_NAMES.has(field)) return (doc) => (Object.hasOwn(doc, field) ? doc[field] : undefined);
  return (doc) => doc[field];
}

function allOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0];
  return (doc, values) => {
    for (const predicate of predicates) if (!predicate(doc, values)) return false;
    return true;
  };
}

function anyOf(predicates: Predicate[]): Predicate {
  return (doc, values) => {
    for (const predicate of predicates) if (predicate(doc, values)) return true;
    return false;
  };
}
