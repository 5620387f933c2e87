import { parse } from 'graphql';
import { measureInputs, measureListLiterals } from './inputs';

function measure(query: string, variables: Record<string, unknown> = {}) {
  return measureInputs(measureListLiterals(parse(query)), variables);
}

describe("the lists and nesting of an operation's inputs", () => {
  it('finds none in an operation without lists', () => {
    expect(measure('query ($uid: ID!) { user(uid: $uid) { name } }', { uid: 'u1' })).toMatchObject({ longest: null, items: 0 });
  });

  it('measures a list variable as the client sent it, before any coercion', () => {
    const uids = Array.from({ length: 20_000 }, (_, i) => `u-${i}`);
    expect(measure('query ($uids: [ID!]!) { users(uids: $uids) { uid } }', { uids })).toMatchObject({ longest: { length: 20_000, where: 'variable $uids' }, items: 20_000 });
  });

  it('finds lists inside input objects and inside lists, naming the path', () => {
    const filter = { severities: ['HIGH', 'CRITICAL'], assets: { uids: ['a1', 'a2', 'a3'] } };
    expect(measure('query ($filter: IncidentFilter) { incidents(filter: $filter) { totalCount } }', { filter })).toMatchObject({
      longest: { length: 3, where: 'variable $filter.assets.uids' },
      items: 5,
    });
    expect(measure('query ($m: [[Int!]!]!) { grid(m: $m) }', { m: [[1, 2], [3, 4, 5, 6], []] })).toMatchObject({
      longest: { length: 4, where: 'variable $m[]' },
      items: 3 + 2 + 4 + 0,
    });
  });

  it("measures list literals in the document, naming the argument, or the variable's default value", () => {
    expect(measure('{ incidents(severities: [HIGH, CRITICAL, LOW]) { totalCount } users(uids: ["u1"]) { uid } }')).toMatchObject({
      longest: { length: 3, where: 'argument "severities"' },
      items: 4,
    });
    expect(measure('{ incidents(filter: { tags: ["a", "b"], assets: { uids: ["x", "y", "z", "w"] } }) { totalCount } }').longest).toEqual({
      length: 4,
      where: 'argument "filter"',
    });
    expect(measure('query ($uids: [ID!] = ["a", "b", "c"]) { users(uids: $uids) { uid } }').longest).toEqual({ length: 3, where: 'argument "(default value)"' });
  });

  it('adds up every list, in the variables and in the document, and keeps the first of the longest', () => {
    const measured = measure('query ($a: [ID!]!, $b: [ID!]!) { x(ids: $a) y(ids: $b) z(ids: ["1", "2", "3"]) }', { a: ['1', '2', '3'], b: ['4', '5', '6'] });
    expect(measured).toMatchObject({ longest: { length: 3, where: 'variable $a' }, items: 9 });
  });

  it('counts the values the client sent for variables the operation does not declare: they were sent all the same', () => {
    expect(measure('{ a }', { unused: [1, 2, 3] })).toMatchObject({ longest: { length: 3, where: 'variable $unused' }, items: 3 });
  });

  it('measures how deep the variables nest, without recursion, however deep they go', () => {
    expect(measure('{ a }', { flat: 1, filter: { assets: { uids: ['x'] } } }).depth).toBe(3);
    let nested: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) nested = [nested];
    expect(measure('{ a }', { v: nested }).depth).toBe(100_000);
  });
});
