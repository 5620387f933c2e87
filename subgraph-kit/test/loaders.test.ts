import { allForEachKey, createPageLoader, oneForEachKey } from '../loaders';

describe('batch results', () => {
  it('gives one row per key in key order, null for a key without a row', () => {
    const rows = [{ uid: 'b' }, { uid: 'a' }];
    expect(oneForEachKey(['a', 'missing', 'b'], rows, (r) => r.uid)).toEqual([{ uid: 'a' }, null, { uid: 'b' }]);
  });

  it('gives the rows of each key in row order without the key column, an empty list for a key without rows', () => {
    const rows = [
      { userUid: 'u2', uid: 'g1' },
      { userUid: 'u1', uid: 'g2' },
      { userUid: 'u2', uid: 'g3' },
    ];
    expect(allForEachKey(['u1', 'u2', 'u3'], rows, 'userUid')).toEqual([[{ uid: 'g2' }], [{ uid: 'g1' }, { uid: 'g3' }], []]);
  });
});

describe('a page loader', () => {
  type Query = { first: number; after?: string };
  const pageOf = (parent: string, query: Query) => ({ rows: [`${parent}:${query.first}`], totalCount: 1 });

  function recordingLoader() {
    const batches: Array<{ parents: readonly string[]; query: Query }> = [];
    const load = createPageLoader<Query, string>('test', undefined, async (parents, query) => {
      batches.push({ parents, query });
      return new Map(parents.filter((parent) => parent !== 'nobody').map((parent) => [parent, pageOf(parent, query)]));
    });
    return { load, batches };
  }

  it('asks once for the parents of one tick that want the same page, and separately for another page', async () => {
    const { load, batches } = recordingLoader();
    const pages = await Promise.all([load('u1', { first: 5 }), load('u2', { first: 5 }), load('u1', { first: 10 }), load('u3', { first: 5 })]);
    expect(pages).toEqual([pageOf('u1', { first: 5 }), pageOf('u2', { first: 5 }), pageOf('u1', { first: 10 }), pageOf('u3', { first: 5 })]);
    expect(batches).toEqual([
      { parents: ['u1', 'u2', 'u3'], query: { first: 5 } },
      { parents: ['u1'], query: { first: 10 } },
    ]);
  });

  it('gives a parent the batch left out an empty page', async () => {
    const { load } = recordingLoader();
    expect(await load('nobody', { first: 5 })).toEqual({ rows: [], totalCount: 0 });
  });
});
