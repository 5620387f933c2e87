import fc from 'fast-check';
import { Query } from 'mingo';
import { cloneDocument, includedFields, projectedCopy } from '../embedded-copy';
import type { Document } from '../store';

/*
 * The copies the embedded store hands out: equal to what is stored, sharing no object with it, and with a
 * projection the same document mingo's projection gives.
 */

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 3 }), fc.double(), fc.boolean(), fc.constant(null), fc.integer().map((time) => new Date(time))),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor'), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
}));
const FIELDS = ['_id', 'a', 'b', 'c', 'constructor', 'toString'];
const documentOf = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5, noNullPrototype: true }) as fc.Arbitrary<Document>;

/**
 * A value's structure, to compare two values by: Jest's toStrictEqual takes a field named `constructor` for the
 * object's type, and toEqual passes over fields holding undefined.
 */
function structureOf(value: unknown): unknown {
  if (value instanceof Date) return { date: value.getTime() };
  if (Array.isArray(value)) return { array: value.map(structureOf) };
  if (typeof value === 'object' && value !== null) {
    return { prototype: Object.getPrototypeOf(value) === Object.prototype, fields: Object.keys(value).map((key) => [key, structureOf((value as Document)[key])]) };
  }
  return { [typeof value]: Object.is(value, -0) ? '-0' : String(value) };
}

/** Every object (arrays and dates included) reachable from a value. */
function objectsIn(value: unknown, found: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return found;
  found.push(value);
  if (!(value instanceof Date)) for (const field of Object.values(value)) objectsIn(field, found);
  return found;
}

describe('embedded store: copies of stored documents', () => {
  test('a copy equals the document and shares no object with it', () => {
    fc.assert(
      fc.property(documentOf, (doc) => {
        const copy = cloneDocument(doc);
        expect(structureOf(copy)).toEqual(structureOf(doc));
        const stored = new Set(objectsIn(doc));
        expect(objectsIn(copy).filter((object) => stored.has(object))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  test('a field named __proto__ stays a field of the copy', () => {
    const doc = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Document;
    const copy = cloneDocument(doc);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
  });

  test('a projection of top-level fields copies what mingo projects, and nothing else', () => {
    const projection = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom<1 | true>(1, true), { minKeys: 1, maxKeys: 3 });
    fc.assert(
      fc.property(documentOf, projection, (doc, fields) => {
        const included = includedFields(fields);
        expect(included).toBeDefined();
        const projected = projectedCopy(doc, included!);
        expect(structureOf(projected)).toEqual(structureOf(cloneDocument(new Query({}).find([doc], fields).all()[0])));
        const stored = new Set(objectsIn(doc));
        expect(objectsIn(projected).filter((object) => stored.has(object))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  test('other projections are left to mingo', () => {
    for (const projection of [{ 'a.b': 1 }, { _id: 0, a: 1 }, { _id: 1, a: 1 }, { a: 0 }, { a: { $slice: 1 } }, { $a: 1 }, { constructor: 1 }, { a: 1, toString: 1 }]) {
      expect(includedFields(projection)).toBeUndefined();
    }
  });
});
