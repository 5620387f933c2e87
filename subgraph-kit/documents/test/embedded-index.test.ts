import { EmbeddedDocumentDatabase, TenantScopedCollection, type Document, type DocumentCollection, type Filter, type IndexSpec, type TenantDocument, type UpdateFilter } from '..';
import { documentsExamined } from './documents-examined';

/**
 * The embedded store's equality indexes: how many documents each operation hands to mingo (stats.documentsExamined),
 * and that an indexed collection answers exactly as an unindexed one does.
 */

interface Incident extends TenantDocument {
  uid: string;
  seq: number;
  createdAt: Date;
  affectedAssets: Array<{ uid: string }>;
  affectedUserUids: string[];
}

const TENANTS = ['acme', 'globex'];
const PER_TENANT = 1000;
const INDEXES: IndexSpec[] = [
  { name: 'tenant_uid', key: { tenant: 1, uid: 1 }, unique: true },
  { name: 'tenant_createdAt_uid', key: { tenant: 1, createdAt: -1, uid: -1 } },
  { name: 'tenant_affectedAssetUid', key: { tenant: 1, 'affectedAssets.uid': 1 } },
  { name: 'tenant_affectedUserUids', key: { tenant: 1, affectedUserUids: 1 } },
];

/** 2,000 incidents in two tenants; asset-k is affected by every incident whose seq % 50 is k or k + 1. */
function incidents(): Incident[] {
  return TENANTS.flatMap((tenant) =>
    Array.from({ length: PER_TENANT }, (_, seq) => ({
      tenant,
      uid: `${tenant}-${seq}`,
      seq,
      createdAt: new Date(Date.UTC(2026, 0, 1) + (seq % 100) * 3_600_000),
      affectedAssets: [{ uid: `asset-${seq % 50}` }, { uid: `asset-${(seq % 50) + 1}` }],
      affectedUserUids: seq % 7 === 0 ? ['user-7', `user-${seq % 3}`] : [`user-${seq % 3}`],
    })),
  );
}

const uids = (docs: Array<{ uid: string }>) => docs.map((d) => d.uid);

describe('embedded document store: equality indexes', () => {
  let database: EmbeddedDocumentDatabase;
  let collection: DocumentCollection<Incident>;
  let acme: TenantScopedCollection<Incident>;
  let names = 0;

  const examined = (operation: () => Promise<unknown>) => documentsExamined(database, operation);

  beforeEach(async () => {
    database = new EmbeddedDocumentDatabase();
    collection = database.collection<Incident>(`incidents_${++names}`);
    await collection.createIndexes(INDEXES);
    await collection.insertMany(incidents());
    acme = new TenantScopedCollection(collection, 'acme');
  });

  afterEach(() => database.close());

  test('findOne by uid examines one document, through the tenant scope too', async () => {
    expect(await examined(() => collection.findOne({ uid: 'acme-17' }))).toBe(1);
    expect(await examined(() => acme.findOne({ uid: 'acme-17' }))).toBe(1);
    expect((await acme.findOne({ uid: 'acme-17' }))?.seq).toBe(17);
    expect(await acme.findOne({ uid: 'globex-17' })).toBeNull();
  });

  test('$in of ten uids examines ten and returns them in insertion order', async () => {
    const wanted = [905, 3, 77, 14, 500, 999, 0, 42, 640, 128].map((seq) => `acme-${seq}`);
    expect(await examined(() => acme.find({ uid: { $in: wanted } }))).toBe(10);
    expect(uids(await acme.find({ uid: { $in: wanted } }))).toEqual([0, 3, 14, 42, 77, 128, 500, 640, 905, 999].map((seq) => `acme-${seq}`));
  });

  test('$eq and a $in whose values are all missing narrow too', async () => {
    expect(await examined(() => collection.find({ uid: { $eq: 'acme-5' } }))).toBe(1);
    expect(await examined(() => collection.find({ uid: { $in: ['nobody', 'nobody-else'] } }))).toBe(0);
    expect(await examined(() => collection.find({ uid: { $in: [] } }))).toBe(0);
  });

  test('an $or of two indexed $in examines their union', async () => {
    const filter = { $or: [{ uid: { $in: ['acme-1', 'acme-2', 'globex-1'] } }, { 'affectedAssets.uid': { $in: ['asset-1'] } }] };
    const expected = incidents().filter((i) => ['acme-1', 'acme-2', 'globex-1'].includes(i.uid) || i.affectedAssets.some((a) => a.uid === 'asset-1'));
    expect(expected.length).toBeGreaterThan(3);
    expect(await examined(() => collection.find(filter))).toBe(expected.length);
    expect(uids(await collection.find(filter))).toEqual(uids(expected));
  });

  test('an $or with a branch that no index narrows examines everything the rest allows', async () => {
    expect(await examined(() => acme.find({ $or: [{ uid: 'acme-1' }, { seq: 2 }] }))).toBe(PER_TENANT);
  });

  test('non-indexed fields, ranges and negations do not narrow', async () => {
    expect(await examined(() => collection.find({ seq: 5 }))).toBe(2 * PER_TENANT);
    expect(await examined(() => acme.find({ seq: 5 }))).toBe(PER_TENANT);
    expect(await examined(() => collection.find({ uid: { $gte: 'acme-998' } }))).toBe(2 * PER_TENANT);
    expect(await examined(() => acme.find({ uid: { $ne: 'acme-1' } }))).toBe(PER_TENANT);
    expect(await examined(() => acme.find({ uid: { $nin: ['acme-1'] } }))).toBe(PER_TENANT);
    expect(await examined(() => acme.find({ uid: { $in: ['acme-1', null as unknown as string] } }))).toBe(PER_TENANT);
    expect(await examined(() => acme.find({ uid: { $regex: '^acme-1$' } }))).toBe(PER_TENANT);
    expect(uids(await acme.find({ uid: { $gte: 'acme-998' } }))).toEqual(['acme-998', 'acme-999']);
  });

  test('equality on a path through an array of objects, and on an array of strings, finds each matching document', async () => {
    const byAsset = incidents().filter((i) => i.tenant === 'acme' && i.affectedAssets.some((a) => a.uid === 'asset-50'));
    expect(byAsset).toHaveLength(20);
    expect(uids(await acme.find({ 'affectedAssets.uid': 'asset-50' }))).toEqual(uids(byAsset));
    expect(await examined(() => acme.find({ 'affectedAssets.uid': 'asset-50' }))).toBe(20);

    const byUser = incidents().filter((i) => i.tenant === 'acme' && i.affectedUserUids.includes('user-7'));
    expect(uids(await acme.find({ affectedUserUids: 'user-7' }))).toEqual(uids(byUser));
    expect(await examined(() => acme.find({ affectedUserUids: 'user-7' }))).toBe(byUser.length);
  });

  test('Date equality finds the documents with that instant, and no others', async () => {
    const at = new Date(Date.UTC(2026, 0, 1) + 42 * 3_600_000);
    const found = await acme.find({ createdAt: at });
    expect(uids(found)).toEqual(Array.from({ length: 10 }, (_, k) => `acme-${42 + 100 * k}`));
    expect(await examined(() => acme.find({ createdAt: at }))).toBe(10);
    expect(await acme.find({ createdAt: at.toISOString() as never })).toEqual([]);
  });

  test('after findOneAndUpdate changes indexed fields, the old values no longer find it and the new ones do, in place', async () => {
    const updated = await acme.findOneAndUpdate({ uid: 'acme-3' }, { $set: { uid: 'acme-renamed', affectedAssets: [{ uid: 'asset-new' }] } });
    expect(updated?.seq).toBe(3);
    expect(await acme.findOne({ uid: 'acme-3' })).toBeNull();
    expect(await examined(() => acme.findOne({ uid: 'acme-3' }))).toBe(0);
    expect((await acme.findOne({ uid: 'acme-renamed' }))?.seq).toBe(3);
    expect(uids(await acme.find({ 'affectedAssets.uid': 'asset-new' }))).toEqual(['acme-renamed']);
    expect(uids(await acme.find({ 'affectedAssets.uid': 'asset-3' }))).not.toContain('acme-renamed');
    // Still the fourth document in insertion order.
    expect(uids(await acme.find({ uid: { $in: ['acme-5', 'acme-renamed', 'acme-0'] } }))).toEqual(['acme-0', 'acme-renamed', 'acme-5']);
    expect(uids(await acme.find({})).slice(0, 5)).toEqual(['acme-0', 'acme-1', 'acme-2', 'acme-renamed', 'acme-4']);
  });

  test('deleteMany removes the deleted documents from the indexes', async () => {
    expect(await acme.countDocuments({ 'affectedAssets.uid': 'asset-1' })).toBe(40);
    expect(await collection.deleteMany({ tenant: 'acme', 'affectedAssets.uid': 'asset-1' })).toBe(40);
    expect(await examined(() => acme.find({ 'affectedAssets.uid': 'asset-1' }))).toBe(0);
    expect(await acme.findOne({ uid: 'acme-1' })).toBeNull();
    expect(await examined(() => acme.findOne({ uid: 'acme-1' }))).toBe(0);
    expect((await acme.findOne({ uid: 'acme-2' }))?.seq).toBe(2);
    expect(await acme.countDocuments({})).toBe(PER_TENANT - 40);
    expect(await collection.countDocuments({ 'affectedAssets.uid': 'asset-1' })).toBe(40);
  });

  test('an index created after the documents were stored is built over them', async () => {
    const late = database.collection<Incident>(`incidents_${++names}`);
    await late.insertMany(incidents());
    expect(await examined(() => late.findOne({ uid: 'globex-9' }))).toBe(2 * PER_TENANT);
    await late.createIndexes([{ name: 'tenant_uid', key: { tenant: 1, uid: 1 }, unique: true }]);
    expect(await examined(() => late.findOne({ uid: 'globex-9' }))).toBe(1);
    expect((await late.findOne({ uid: 'globex-9' }))?.seq).toBe(9);
  });

  test('aggregate narrows by its leading $match stages and answers as without an index', async () => {
    const pipeline: Document[] = [
      { $match: { 'affectedAssets.uid': { $in: ['asset-7', 'asset-20'] } } },
      { $unwind: '$affectedAssets' },
      { $group: { _id: '$affectedAssets.uid', count: { $sum: 1 }, first: { $first: '$uid' } } },
      { $sort: { _id: 1 } },
    ];
    const plain = database.collection<Incident>(`incidents_${++names}`);
    await plain.insertMany(incidents());
    const expected = await new TenantScopedCollection(plain, 'acme').aggregate(pipeline);
    expect(expected.length).toBeGreaterThan(0);

    expect(await acme.aggregate(pipeline)).toEqual(expected);
    expect(await examined(() => acme.aggregate(pipeline))).toBe(80);
    // Only the tenant's leading $match narrows: a $match after another stage does not.
    expect(await examined(() => acme.aggregate([{ $sort: { seq: 1 } }, { $match: { uid: 'acme-1' } }]))).toBe(PER_TENANT);
  });

  test('countDocuments and findOneAndUpdate examine only the candidates; a count the index bounds exactly examines none', async () => {
    expect(await examined(() => acme.countDocuments({ uid: { $in: ['acme-1', 'acme-2'] } }))).toBe(0);
    expect(await acme.countDocuments({ uid: { $in: ['acme-1', 'acme-2'] } })).toBe(2);
    expect(await examined(() => acme.countDocuments({ uid: { $in: ['acme-1', 'acme-2'] }, seq: 1 }))).toBe(2);
    expect(await examined(() => acme.findOneAndUpdate({ uid: 'acme-1' }, { $set: { seq: -1 } }))).toBe(1);
    expect(await examined(() => collection.deleteMany({ uid: 'acme-1' }))).toBe(1);
  });

  test('a sorted find or a count by an array field examines the equality candidates, not the ordered span of the tenant', async () => {
    const byAsset = { 'affectedAssets.uid': 'asset-7' };
    expect(await examined(() => acme.find(byAsset, { sort: { createdAt: -1, uid: -1 }, limit: 5 }))).toBe(40);
    expect(await examined(() => acme.countDocuments(byAsset))).toBe(40);
    expect(await acme.countDocuments(byAsset)).toBe(40);
  });
});

describe('embedded document store: an indexed collection answers as an unindexed one', () => {
  const EQUIVALENCE_INDEXES: IndexSpec[] = [
    { name: 'tenant_uid', key: { tenant: 1, uid: 1 }, unique: true },
    { name: 'tenant_n', key: { tenant: 1, n: 1 } },
    { name: 'tags_at', key: { tags: 1, at: -1 } },
    { name: 'nested_kind', key: { 'nested.kind': 1 } },
    { name: 'items_code_flag', key: { 'items.code': 1, flag: 1 } },
    { name: 'tenant_flag_at', key: { tenant: 1, flag: 1, at: -1 } },
    { name: 'n_uid', key: { n: 1, uid: 1 } },
  ];
  const DATES = [0, 1, 2].map((day) => new Date(Date.UTC(2026, 0, 1 + day)));

  /** mulberry32: the same documents on every run. */
  function seeded(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Each field is sometimes missing, null, of another type, an array, or an array of arrays. */
  function randomDocuments(count: number, seed: number, first = 0): Document[] {
    const random = seeded(seed);
    const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)];
    const MISSING = Symbol('missing');
    const fields: Record<string, readonly unknown[]> = {
      n: [0, 1, 1, 2, 3, 4.5, '1', '2', null, MISSING, [1, 2], { v: 1 }],
      tags: [['t1'], ['t1', 't2'], ['t2', 3], [], [['t1']], 't1', 't3', null, MISSING],
      at: [...DATES, DATES[0].toISOString(), null, MISSING, [DATES[1], DATES[2]]],
      nested: [{ kind: 'x' }, { kind: 'y' }, [{ kind: 'x' }, { kind: 'z' }], { kind: null }, { kind: ['x', 'w'] }, {}, 'x', MISSING],
      items: [[{ code: 'c1', q: 1 }, { code: 'c2', q: 3 }], [{ code: 'c3', q: 2 }], [], [{ code: ['c1', 'c4'] }], { code: 'c2' }, MISSING],
      flag: [true, false, 'true', 1, MISSING],
    };
    return Array.from({ length: count }, (_, i) => {
      const doc: Document = { tenant: pick(['a', 'b']), uid: `u-${first + i}` };
      for (const [field, values] of Object.entries(fields)) {
        const value = pick(values);
        if (value !== MISSING) doc[field] = value;
      }
      return doc;
    });
  }

  const FILTERS: Array<Filter<Document>> = [
    {},
    { tenant: 'a' },
    { uid: 'u-7' },
    { tenant: 'b', uid: { $eq: 'u-10' } },
    { n: 1 },
    { n: '1' },
    { n: 0 },
    { n: { $in: [1, '2'] } },
    { n: { $eq: 1, $in: [1, 2] } },
    { n: null },
    { n: { $exists: false } },
    { n: { $ne: 1 } },
    { n: { $gte: 2, $lt: 5 } },
    { n: { v: 1 } },
    { n: [1, 2] },
    { tags: 't1' },
    { tags: 3 },
    { tags: ['t1', 't2'] },
    { tags: { $all: ['t1', 't2'] } },
    { tags: { $size: 0 } },
    { 'nested.kind': 'x' },
    { 'nested.kind': null },
    { nested: { kind: 'x' } },
    { 'items.code': 'c2' },
    { 'items.code': { $in: ['c1', 'c3'] } },
    { items: { $elemMatch: { code: 'c1', q: { $gte: 1 } } } },
    { at: DATES[0] },
    { at: DATES[0].toISOString() },
    { at: { $in: [DATES[1], DATES[2]] } },
    { at: { $gt: DATES[0] } },
    { flag: true },
    { flag: 1 },
    { $or: [{ uid: 'u-3' }, { tags: 't2' }] },
    { $or: [{ uid: 'u-3' }, { n: { $gt: 3 } }] },
    { $and: [{ tenant: 'a' }, { $or: [{ n: 1 }, { n: '1' }] }] },
    { $nor: [{ tags: 't1' }], tenant: 'b' },
    { uid: { $in: [] } },
    { uid: { $in: ['u-1', /^u-2/] } },
    { uid: { $nin: ['u-1'] }, tenant: 'a' },
    { uid: { $not: { $eq: 'u-1' } } },
  ];

  async function openCollections(): Promise<{ indexedFirst: DocumentCollection<Document>; indexedAfter: DocumentCollection<Document>; plain: DocumentCollection<Document> }> {
    const database = new EmbeddedDocumentDatabase();
    const [indexedFirst, indexedAfter, plain] = ['indexed_first', 'indexed_after', 'plain'].map((name) => database.collection<Document>(name));
    const documents = randomDocuments(300, 20260101);
    await indexedFirst.createIndexes(EQUIVALENCE_INDEXES);
    for (const collection of [indexedFirst, indexedAfter, plain]) await collection.insertMany(documents);
    await indexedAfter.createIndexes(EQUIVALENCE_INDEXES);
    return { indexedFirst, indexedAfter, plain };
  }

  /** Every way of reading a filter, so that each reader's narrowing is compared. */
  async function answers(collection: DocumentCollection<Document>, filter: Filter<Document>): Promise<unknown[]> {
    return [
      await collection.find(filter),
      await collection.find(filter, { sort: { n: -1, uid: 1 }, skip: 1, limit: 5 }),
      await collection.find(filter, { sort: { tenant: 1, n: 1 }, limit: 7 }),
      await collection.find(filter, { sort: { at: -1, uid: 1 }, skip: 2, limit: 5 }),
      await collection.find(filter, { sort: { flag: -1, at: 1 }, limit: 6 }),
      await collection.find(filter, { sort: { tenant: -1, flag: 1, at: 1 } }),
      await collection.findOne(filter),
      await collection.countDocuments(filter),
      await collection.aggregate([{ $match: filter }, { $project: { _id: 0, uid: 1 } }]),
      await collection.aggregate([{ $match: { tenant: 'a' } }, { $match: filter }, { $group: { _id: '$tenant', uids: { $push: '$uid' } } }]),
    ];
  }

  async function expectSameAnswers(collections: Record<string, DocumentCollection<Document>>): Promise<void> {
    for (const filter of FILTERS) {
      const expected = await answers(collections.plain, filter);
      for (const name of ['indexedFirst', 'indexedAfter']) {
        const actual = await answers(collections[name], filter);
        // The filter in the message says which one differed.
        expect({ filter, collection: name, answers: actual }).toEqual({ filter, collection: name, answers: expected });
      }
    }
  }

  test('for every filter, before and after updates, deletes and more inserts', async () => {
    const collections = await openCollections();
    const all = Object.values(collections);
    await expectSameAnswers(collections);

    for (const collection of all) {
      await collection.findOneAndUpdate({ uid: 'u-3' }, { $set: { n: '1', tags: ['t9'], 'nested.kind': 'x' } });
      await collection.findOneAndUpdate({ tags: 't1' }, { $set: { at: DATES[2] }, $unset: { n: '' } });
      await collection.findOneAndUpdate({ n: { $gt: 2 } }, { $push: { tags: 't1' } } as unknown as UpdateFilter<Document>);
      await collection.findOneAndUpdate({ 'items.code': 'c3' }, { $set: { items: [{ code: 'c9' }] } });
      await collection.deleteMany({ tenant: 'b', 'nested.kind': 'y' });
      await collection.deleteMany({ flag: 'true' });
      await collection.insertMany(randomDocuments(100, 7, 1000));
    }
    expect(await collections.indexedFirst.countDocuments({})).toBe(await collections.plain.countDocuments({}));
    await expectSameAnswers(collections);
    // About a second and a half alone; minutes on a machine that runs other suites and benchmarks beside it.
  }, 180_000);
});
