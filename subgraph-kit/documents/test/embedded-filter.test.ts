import fc from 'fast-check';
import { Query } from 'mingo';
import { matcherOf } from '../embedded-filter';
import type { Document } from '../store';

/*
 * The embedded store's compiled filters against mingo, which evaluated every filter before them: over generated
 * documents and filters of every shape they compile, each document matches exactly when mingo says it does.
 */

const TIMES = [0, 1_000, 2_000, Number.NaN];
const date = fc.constantFrom(...TIMES).map((time) => new Date(time));
const primitive = fc.oneof(
  fc.constantFrom('x', 'y', '', 'X', '10', '9'),
  fc.constantFrom(0, -0, 1, 2.5, -1, 9, 10, Number.NaN, Number.POSITIVE_INFINITY),
  fc.boolean(),
  fc.constant(null),
);
const scalar = fc.oneof(primitive, date);

/** Field names of nested documents; `0` also addresses an array's first element in a dotted path. */
const NESTED_KEYS = ['a', 'b', 'c', '0'];
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...NESTED_KEYS), tie('value'), { maxKeys: 3 }),
  ),
}));

/** Stored documents: top-level fields that filters name, `constructor` among them (mingo reads it only as an own field). */
const documentOf = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'constructor'), value, { maxKeys: 4 }) as fc.Arbitrary<Document>;

const PATHS = ['a', 'b', 'c', 'constructor', 'toString', 'a.b', 'a.0', 'a.b.c', 'a.0.b', 'b.a.0'];
const list = fc.array(scalar, { maxLength: 4 });
const operators = fc
  .record(
    {
      $eq: fc.oneof(scalar, value),
      $ne: fc.oneof(scalar, value),
      $gt: scalar,
      $gte: fc.oneof(scalar, value),
      $lt: scalar,
      $lte: scalar,
      $in: list,
      $nin: list,
    },
    { requiredKeys: [] },
  )
  .filter((condition) => Object.keys(condition).length > 0);
const condition = fc.oneof(scalar, value, operators);
/** $exists only on top-level fields: mingo resolves a dotted path its own way there, and the store leaves that to mingo. */
const existsCondition = fc.record({ $exists: fc.oneof(fc.boolean(), fc.constantFrom(0, 1, null)) });

const { query } = fc.letrec<{ query: Document; logical: Document }>((tie) => ({
  query: fc
    .tuple(
      fc.dictionary(fc.constantFrom(...PATHS), condition, { maxKeys: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), existsCondition, { maxKeys: 1 }),
      fc.oneof({ depthSize: 'small' }, fc.constant({}), tie('logical')),
    )
    .map(([fields, exists, logical]) => ({ ...exists, ...fields, ...logical })),
  logical: fc.record(
    {
      $and: fc.array(tie('query'), { maxLength: 3 }),
      $or: fc.array(tie('query'), { maxLength: 3 }),
      $nor: fc.array(tie('query'), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
}));

/** Both answers, for the failure message. */
function answers(filter: Document, doc: Document): { compiled: boolean; mingo: boolean } {
  return { compiled: matcherOf(filter).test(doc), mingo: new Query(filter).test(doc) };
}

describe('embedded store: filters compiled once per shape', () => {
  test('match exactly the documents mingo matches, over generated documents and filters', () => {
    fc.assert(
      fc.property(query, fc.array(documentOf, { maxLength: 6 }), (filter, docs) => {
        const matcher = matcherOf(filter);
        expect(matcher).not.toBeInstanceOf(Query);
        const byMingo = new Query(filter);
        for (const doc of docs) expect({ doc, matches: matcher.test(doc) }).toEqual({ doc, matches: byMingo.test(doc) });
      }),
      { numRuns: 2500 },
    );
  });

  test('a second filter of a cached shape is tested with its own values', () => {
    const doc = { tenant: 'acme', status: 'NEW', createdAt: new Date(2_000) };
    const shaped = (tenant: string, statuses: string[], since: number) => ({ tenant, $and: [{ status: { $in: statuses } }, { createdAt: { $gte: new Date(since) } }] });
    expect(matcherOf(shaped('acme', ['NEW'], 1_000)).test(doc)).toBe(true);
    expect(matcherOf(shaped('globex', ['NEW'], 1_000)).test(doc)).toBe(false);
    expect(matcherOf(shaped('acme', ['CLOSED', 'ON_HOLD'], 1_000)).test(doc)).toBe(false);
    expect(matcherOf(shaped('acme', ['CLOSED', 'NEW'], 3_000)).test(doc)).toBe(false);
    expect(matcherOf(shaped('acme', ['CLOSED', 'NEW'], 2_000)).test(doc)).toBe(true);
  });

  test('values of another type make another shape: a string never equals or compares with a number', () => {
    const doc = { n: 10, s: '10' };
    for (const filter of [{ n: 10 }, { n: '10' }, { s: 10 }, { s: '10' }, { n: { $gt: 9 } }, { n: { $gt: '9' } }, { s: { $gt: '09' } }, { s: { $gt: 9 } }]) {
      const { compiled, mingo } = answers(filter, doc);
      expect({ filter, compiled }).toEqual({ filter, compiled: mingo });
    }
    expect(matcherOf({ n: '10' }).test(doc)).toBe(false);
    expect(matcherOf({ n: { $gt: '9' } }).test(doc)).toBe(false);
  });

  test('arrays: any element matches, one level deeper for each dot of the path, as mingo has it', () => {
    const doc = { tags: ['a', ['b']], assets: [{ uid: 'x' }, { uid: ['y', ['z']] }], n: [1, 5] };
    const cases: Array<[Document, boolean]> = [
      [{ tags: 'a' }, true],
      [{ tags: 'b' }, false],
      [{ tags: ['b'] }, true],
      [{ 'assets.uid': 'x' }, true],
      [{ 'assets.uid': 'y' }, true],
      [{ 'assets.uid': 'z' }, false],
      // Unlike MongoDB, mingo's $in does not look into an array met at the end of the path, past the first.
      [{ 'assets.uid': { $in: ['y'] } }, false],
      [{ 'assets.uid': { $in: ['x'] } }, true],
      [{ 'assets.uid': { $in: ['z'] } }, false],
      [{ n: { $gt: 4, $lt: 2 } }, true],
      [{ n: { $ne: 5 } }, false],
      [{ n: { $nin: [2, 3] } }, true],
    ];
    for (const [filter, expected] of cases) {
      expect({ filter, matches: matcherOf(filter).test(doc) }).toEqual({ filter, matches: expected });
      expect({ filter, matches: new Query(filter).test(doc) }).toEqual({ filter, matches: expected });
    }
  });

  test('null matches null and a missing field; $in with null too; dates compare by time, within dates only', () => {
    const docs: Document[] = [{ at: new Date(1_000), v: null }, { at: 1_000 }, { at: '1970-01-01T00:00:01.000Z', v: [null] }];
    const filters: Document[] = [
      { v: null },
      { v: { $ne: null } },
      { v: { $in: [null] } },
      { v: { $nin: [null, 'x'] } },
      { v: { $exists: false } },
      { at: new Date(1_000) },
      { at: { $in: [new Date(1_000)] } },
      { at: { $gte: new Date(500), $lt: new Date(1_500) } },
      { at: { $gte: 500 } },
    ];
    for (const filter of filters) {
      expect(matcherOf(filter)).not.toBeInstanceOf(Query);
      for (const doc of docs) {
        const { compiled, mingo } = answers(filter, doc);
        expect({ filter, doc, compiled }).toEqual({ filter, doc, compiled: mingo });
      }
    }
  });

  test('what it does not compile, mingo evaluates: $elemMatch, $regex, $expr, regular expressions, $exists on a dotted path', () => {
    const doc = { name: 'alpha', checks: [{ level: 5, state: 'OPEN' }], a: { b: 1 } };
    const filters: Document[] = [
      { checks: { $elemMatch: { level: { $gte: 5 }, state: 'OPEN' } } },
      { name: /^al/ },
      { name: { $regex: '^al' } },
      { name: { $in: [/^al/] } },
      { $expr: { $eq: ['$name', 'alpha'] } },
      { 'a.b': { $exists: true } },
    ];
    for (const filter of filters) {
      const matcher = matcherOf(filter);
      expect(matcher).toBeInstanceOf(Query);
      expect(matcher.test(doc)).toBe(true);
    }
  });
});
