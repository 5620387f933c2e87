import { parse } from 'graphql';
import { checkLimits, countTokens, measureOperation, type OperationLimits } from '../src/limits/operation-limits';

const limits: OperationLimits = { maxBytes: 2000, maxTokens: 400, maxDepth: 5, maxAliases: 3, maxRootFields: 2, maxDirectives: 4, maxFields: 60 };

function measure(query: string, operationName?: string) {
  return measureOperation(query, parse(query), operationName, countTokens(query, 10_000));
}

describe('measuring an operation', () => {
  it('measures depth, aliases, root fields, directives and fields', () => {
    const m = measure('query Q { a: user(uid: "1") @include(if: true) { name groups { name } } users { edges { node { uid } } } }');
    expect(m).toMatchObject({ depth: 4, aliases: 1, rootFields: 2, directives: 1, fields: 8 });
  });

  it('expands fragments where they are used', () => {
    const m = measure('query { user { ...F ...F } } fragment F on User { x: name groups { name } }');
    expect(m.aliases).toBe(2);
    expect(m.depth).toBe(3);
  });

  it('measures only the operation that runs', () => {
    const m = measure('query A { a b c } query B { b }', 'B');
    expect(m.rootFields).toBe(1);
  });

  it('stops expanding a fragment bomb instead of walking it', () => {
    const levels = Array.from({ length: 8 }, (_, i) => `fragment F${i} on User { ${Array.from({ length: 10 }, () => `...F${i + 1}`).join(' ')} }`);
    const query = `query { user { ...F0 } } ${levels.join(' ')} fragment F8 on User { name }`;
    const started = process.hrtime.bigint();
    const m = measure(query);
    expect(m.fields).toBeGreaterThanOrEqual(100_000);
    // A full walk would visit 10^8 fields; the cap keeps it to a fraction of a second.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(5);
  });

  it('counts tokens and stops early', () => {
    expect(countTokens('{ a b c }', 100)).toBe(5);
    expect(countTokens('{ a b c }', 2)).toBe(3);
  });
});

describe('enforcing limits', () => {
  it.each([
    ['maxDepth', '{ a { b { c { d { e { f } } } } } }', 6],
    ['maxAliases', '{ a1: a a2: a a3: a a4: a }', 4],
    ['maxRootFields', '{ a b c }', 3],
    ['maxDirectives', '{ a @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) }', 5],
  ])('refuses an operation over %s, naming the limit and the value', (limitName, query, value) => {
    const error = checkLimits(measure(query), limits, 'partner');
    expect(error?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: limitName, value });
    expect(error?.message).toContain(`${limitName} for partner clients: ${value} >`);
  });

  it('refuses too many tokens and too many bytes before parsing', () => {
    expect(checkLimits({ tokens: 401 }, limits, 'user')?.extensions.limit).toBe('maxTokens');
    expect(checkLimits({ bytes: 2001 }, limits, 'user')?.extensions.limit).toBe('maxBytes');
  });

  it('accepts an operation within every limit', () => {
    expect(checkLimits(measure('{ a { b } }'), limits, 'user')).toBeNull();
  });
});
