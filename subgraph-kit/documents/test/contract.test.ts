import { MongoClient } from 'mongodb';
import { StoreUnavailableError } from '../../store-errors';
import {
  databaseNameOf,
  DuplicateKeyError,
  EmbeddedDocumentDatabase,
  findForTenants,
  openDocumentDatabase,
  TenantScopedBulkWrite,
  TenantScopedCollection,
  type Document,
  type DocumentCollection,
  type DocumentDatabase,
  type IndexSpec,
  type TenantDocument,
  type UpdateFilter,
} from '..';

/**
 * The behaviours of the document store that the subgraphs rely on, run against every store: the embedded
 * one always, MongoDB when MONGODB_URL is set. A behaviour that differs between the two fails here first.
 */

interface Thing extends TenantDocument {
  uid: string;
  name: string;
  score: number;
  tags: string[];
  at: Date;
  checks: Array<{ level: number; state: string }>;
}

const MONGODB_URL = process.env.MONGODB_URL;
const MONGODB_DATABASE = 'palisade_contract';
/** Collections of one run never meet another run's, on a shared MongoDB. */
const RUN = `contract_${process.pid}_${Date.now().toString(36)}`;

function thing(tenant: string, n: number, name: string, score: number, extra: Partial<Thing> = {}): Thing {
  return {
    tenant,
    uid: `${tenant}-${n}`,
    name,
    score,
    tags: n % 2 === 0 ? ['even'] : ['odd'],
    at: new Date(Date.UTC(2026, 0, n)),
    checks: [{ level: n, state: n % 3 === 0 ? 'OPEN' : 'DONE' }],
    ...extra,
  };
}

/** acme holds six things, globex three; names are chosen so that a byte-order sort differs from a locale sort. */
function fixtures(): Thing[] {
  return [
    thing('acme', 1, 'delta', 40),
    thing('acme', 2, 'Bravo', 10),
    thing('acme', 3, 'alpha', 30, { checks: [{ level: 5, state: 'OPEN' }, { level: 1, state: 'DONE' }] }),
    thing('acme', 4, 'charlie', 20),
    thing('acme', 5, 'alpha', 50),
    thing('acme', 6, 'echo', 30),
    thing('globex', 1, 'alpha', 99),
    thing('globex', 2, 'zulu', 98),
    thing('globex', 3, 'yankee', 97, { checks: [{ level: 5, state: 'OPEN' }] }),
  ];
}

const uids = (docs: Array<{ uid: string }>) => docs.map((d) => d.uid);
/** Runs a call whose refusal may be thrown or returned as a rejected promise, and returns a promise either way. */
const attempt = (call: () => Promise<unknown>) => Promise.resolve().then(call);

interface StoreUnderTest {
  open(): Promise<DocumentDatabase>;
  /** The fewest round trips a find of 250 documents takes: one call, and on MongoDB a getMore after its first batch of 101. */
  findOf250RoundTrips: number;
  /** Removes what the run wrote (MongoDB); nothing to do for the embedded store. */
  cleanUp(collectionNames: string[]): Promise<void>;
}

function describeDocumentStoreContract(title: string, store: StoreUnderTest, skip = false): void {
  (skip ? describe.skip : describe)(`document store contract: ${title}`, () => {
    let database: DocumentDatabase;
    let things: DocumentCollection<Thing>;
    const collectionNames: string[] = [];

    beforeAll(async () => {
      database = await store.open();
    });

    beforeEach(async () => {
      const name = `${RUN}_${collectionNames.length + 1}`;
      collectionNames.push(name);
      things = database.collection<Thing>(name);
      await things.insertMany(fixtures());
    });

    afterAll(async () => {
      await store.cleanUp(collectionNames);
      await database.close();
    });

    describe('find', () => {
      test('counts every round trip a find takes, each batch of a cursor', async () => {
        await things.insertMany(Array.from({ length: 250 - fixtures().length }, (_, n) => thing('acme', 100 + n, 'filler', n)));
        const before = database.stats.roundTrips;
        expect(await things.find({})).toHaveLength(250);
        expect(database.stats.roundTrips - before).toBeGreaterThanOrEqual(store.findOf250RoundTrips);
      });

      test('filters with $in, $gte and $elemMatch', async () => {
        expect(uids(await things.find({ tenant: 'acme', name: { $in: ['alpha', 'echo'] } }, { sort: { uid: 1 } }))).toEqual(['acme-3', 'acme-5', 'acme-6']);
        expect(uids(await things.find({ score: { $gte: 50 } }, { sort: { uid: 1 } }))).toEqual(['acme-5', 'globex-1', 'globex-2', 'globex-3']);
        // acme-5 has a level 5 check too, but DONE: both conditions must hold for one element.
        const open = await things.find({ checks: { $elemMatch: { level: { $gte: 5 }, state: 'OPEN' } } }, { sort: { uid: 1 } });
        expect(uids(open)).toEqual(['acme-3', 'acme-6', 'globex-3']);
      });

      test('$elemMatch matches one element holding every condition, not conditions spread over elements', async () => {
        await things.insertOne(thing('acme', 7, 'foxtrot', 1, { checks: [{ level: 9, state: 'DONE' }, { level: 0, state: 'OPEN' }] }));
        const matched = await things.find({ uid: 'acme-7', checks: { $elemMatch: { level: { $gte: 5 }, state: 'OPEN' } } });
        expect(matched).toEqual([]);
      });

      test('$nor excludes documents with a matching element', async () => {
        const withoutOpenHighCheck = await things.find({ tenant: 'acme', $nor: [{ checks: { $elemMatch: { level: { $gte: 5 }, state: 'OPEN' } } }] }, { sort: { uid: 1 } });
        expect(uids(withoutOpenHighCheck)).toEqual(['acme-1', 'acme-2', 'acme-4', 'acme-5']);
      });

      test('sorts by several keys, ascending and descending, and compares strings by byte order as MongoDB does', async () => {
        const byName = await things.find({ tenant: 'acme' }, { sort: { name: 1, uid: 1 } });
        expect(byName.map((d) => d.name)).toEqual(['Bravo', 'alpha', 'alpha', 'charlie', 'delta', 'echo']);
        const byScoreDesc = await things.find({ tenant: 'acme' }, { sort: { score: -1, uid: 1 } });
        expect(uids(byScoreDesc)).toEqual(['acme-5', 'acme-1', 'acme-3', 'acme-6', 'acme-4', 'acme-2']);
      });

      test('skips and limits after sorting', async () => {
        const page = await things.find({ tenant: 'acme' }, { sort: { uid: -1 }, skip: 1, limit: 2 });
        expect(uids(page)).toEqual(['acme-5', 'acme-4']);
      });

      test('keyset pagination: $or over the sort keys continues after the last row', async () => {
        const after = { name: 'alpha', uid: 'acme-3' };
        const next = await things.find(
          { tenant: 'acme', $or: [{ name: { $gt: after.name } }, { name: after.name, uid: { $gt: after.uid } }] },
          { sort: { name: 1, uid: 1 }, limit: 2 },
        );
        expect(uids(next)).toEqual(['acme-5', 'acme-4']);
      });

      test('projection returns only the projected fields, and never the store id', async () => {
        const [projected] = await things.find({ uid: 'acme-1' }, { projection: { uid: 1, name: 1 } });
        expect(projected).toEqual({ uid: 'acme-1', name: 'delta' });
        const [whole] = await things.find({ uid: 'acme-1' });
        expect(whole).not.toHaveProperty('_id');
      });

      test('a projection does not change the order, even when it drops the sort key', async () => {
        const projected = await things.find({ tenant: 'acme' }, { sort: { score: 1, uid: 1 }, projection: { uid: 1 } });
        expect(uids(projected)).toEqual(['acme-2', 'acme-4', 'acme-3', 'acme-6', 'acme-1', 'acme-5']);
      });

      test('dates come back as Date instances and compare by time', async () => {
        const recent = await things.find({ at: { $gte: new Date(Date.UTC(2026, 0, 5)) } }, { sort: { uid: 1 } });
        expect(uids(recent)).toEqual(['acme-5', 'acme-6']);
        expect(recent[0].at).toBeInstanceOf(Date);
        expect(recent[0].at.toISOString()).toBe('2026-01-05T00:00:00.000Z');
      });

      test('findOne returns the first document in sort order, or null', async () => {
        expect((await things.findOne({ tenant: 'acme' }, { sort: { score: -1 } }))?.uid).toBe('acme-5');
        expect(await things.findOne({ uid: 'nobody' })).toBeNull();
      });

      test('returned documents are copies: changing one changes nothing stored', async () => {
        const [first] = await things.find({ uid: 'acme-1' });
        first.name = 'changed';
        first.tags.push('changed');
        expect(await things.findOne({ uid: 'acme-1' })).toMatchObject({ name: 'delta', tags: ['odd'] });
      });

      test('returned documents are copies whatever the read: projected, sorted, aggregated, their dates too', async () => {
        const [projected] = await things.find({ uid: 'acme-1' }, { projection: { tags: 1, at: 1 } });
        const [sorted] = await things.find({ tenant: 'acme' }, { sort: { name: -1 }, limit: 1 });
        const [grouped] = await things.aggregate<{ docs: Thing[] }>([{ $match: { uid: 'acme-1' } }, { $group: { _id: null, docs: { $push: '$$ROOT' } } }]);
        for (const doc of [projected, sorted, grouped.docs[0]]) {
          doc.tags.push('changed');
          doc.at.setTime(0);
          doc.checks?.push({ level: 0, state: 'CHANGED' });
        }
        expect(await things.findOne({ uid: 'acme-1' }, { projection: { tags: 1, at: 1, checks: 1 } })).toEqual({ tags: ['odd'], at: new Date(Date.UTC(2026, 0, 1)), checks: [{ level: 1, state: 'DONE' }] });
        expect(await things.findOne({ uid: 'acme-6' }, { projection: { tags: 1, at: 1, checks: 1 } })).toEqual({ tags: ['even'], at: new Date(Date.UTC(2026, 0, 6)), checks: [{ level: 6, state: 'OPEN' }] });
      });

      test('a later write never changes a document already returned', async () => {
        const [found] = await things.find({ uid: 'acme-1' });
        const [projected] = await things.find({ uid: 'acme-1' }, { projection: { name: 1, tags: 1 } });
        const updated = await things.findOneAndUpdate({ uid: 'acme-1' }, { $set: { name: 'changed' }, $push: { tags: 'changed' } } as unknown as UpdateFilter<Thing>);
        expect(updated).toMatchObject({ name: 'changed', tags: ['odd', 'changed'] });
        await things.findOneAndUpdate({ uid: 'acme-1' }, { $set: { name: 'changed again' } });
        expect(found).toMatchObject({ name: 'delta', tags: ['odd'] });
        expect(projected).toEqual({ name: 'delta', tags: ['odd'] });
        expect(updated).toMatchObject({ name: 'changed', tags: ['odd', 'changed'] });
      });
    });

    test('countDocuments counts what a filter matches', async () => {
      expect(await things.countDocuments({ tenant: 'acme' })).toBe(6);
      expect(await things.countDocuments({ tenant: 'acme', tags: 'even' })).toBe(3);
      expect(await things.countDocuments({ uid: 'nobody' })).toBe(0);
    });

    describe('aggregate', () => {
      test('$match, $group and $sort', async () => {
        const totals = await things.aggregate([
          { $match: { tenant: 'acme' } },
          { $group: { _id: '$name', total: { $sum: '$score' }, count: { $sum: 1 } } },
          { $sort: { total: -1, _id: 1 } },
        ]);
        expect(totals).toEqual([
          { _id: 'alpha', total: 80, count: 2 },
          { _id: 'delta', total: 40, count: 1 },
          { _id: 'echo', total: 30, count: 1 },
          { _id: 'charlie', total: 20, count: 1 },
          { _id: 'Bravo', total: 10, count: 1 },
        ]);
      });

      test('$facet returns a count and a page in one result', async () => {
        const [result] = await things.aggregate<{ total: Array<{ n: number }>; page: Array<{ uid: string }> }>([
          { $match: { tenant: 'acme' } },
          {
            $facet: {
              total: [{ $count: 'n' }],
              page: [{ $sort: { uid: 1 } }, { $limit: 2 }, { $project: { _id: 0, uid: 1 } }],
            },
          },
        ]);
        expect(result).toEqual({ total: [{ n: 6 }], page: [{ uid: 'acme-1' }, { uid: 'acme-2' }] });
      });

      test('$project with $slice cuts an array', async () => {
        const sliced = await things.aggregate([{ $match: { uid: 'acme-3' } }, { $project: { _id: 0, uid: 1, firstCheck: { $slice: ['$checks', 1] } } }]);
        expect(sliced).toEqual([{ uid: 'acme-3', firstCheck: [{ level: 5, state: 'OPEN' }] }]);
      });

      test('$push after $sort keeps the sort order, and $cond, $filter, $slice trim each group (a page per group)', async () => {
        const groups = await things.aggregate<{ _id: string; total: number; page: Thing[] }>([
          { $match: { tenant: 'acme' } },
          { $sort: { score: 1, uid: 1 } },
          { $unset: '_id' },
          { $group: { _id: { $arrayElemAt: ['$tags', 0] }, total: { $sum: 1 }, page: { $push: { $cond: [{ $gt: ['$score', 10] }, '$$ROOT', null] } } } },
          { $project: { total: 1, page: { $slice: [{ $filter: { input: '$page', cond: { $ne: ['$$this', null] } } }, 2] } } },
          { $sort: { _id: 1 } },
        ]);
        expect(groups.map((g) => ({ tag: g._id, total: g.total, page: uids(g.page) }))).toEqual([
          { tag: 'even', total: 3, page: ['acme-4', 'acme-6'] },
          { tag: 'odd', total: 3, page: ['acme-3', 'acme-1'] },
        ]);
        expect(groups[0].page[0]).toEqual(fixtures()[3]);
      });
    });

    describe('writes', () => {
      test('insertOne and insertMany store documents without changing the objects given', async () => {
        const one = thing('acme', 10, 'golf', 5);
        const many = [thing('acme', 11, 'hotel', 6), thing('acme', 12, 'india', 7)];
        await things.insertOne(one);
        await things.insertMany(many);
        expect(one).not.toHaveProperty('_id');
        expect(many[0]).not.toHaveProperty('_id');
        expect(await things.find({ uid: { $in: ['acme-10', 'acme-11', 'acme-12'] } }, { sort: { uid: 1 } })).toEqual([one, many[0], many[1]]);
      });

      test('findOneAndUpdate applies $set and $push atomically and returns the document after', async () => {
        // The driver's PushOperator type refuses array fields of documents with an index signature; the cast only quiets that.
        const update = { $set: { name: 'delta-2' }, $push: { checks: { level: 7, state: 'OPEN' } } } as unknown as UpdateFilter<Thing>;
        const updated = await things.findOneAndUpdate({ uid: 'acme-1' }, update);
        expect(updated).toEqual({ ...fixtures()[0], name: 'delta-2', checks: [{ level: 1, state: 'DONE' }, { level: 7, state: 'OPEN' }] });
        expect(await things.findOne({ uid: 'acme-1' })).toEqual(updated);
      });

      test('findOneAndUpdate returns null when nothing matches and writes nothing', async () => {
        expect(await things.findOneAndUpdate({ uid: 'nobody' }, { $set: { name: 'x' } })).toBeNull();
        expect(await things.countDocuments({ name: 'x' })).toBe(0);
      });

      test('deleteMany deletes what the filter matches and returns how many', async () => {
        expect(await things.deleteMany({ tenant: 'acme', tags: 'even' })).toBe(3);
        expect(uids(await things.find({ tenant: 'acme' }, { sort: { uid: 1 } }))).toEqual(['acme-1', 'acme-3', 'acme-5']);
        expect(await things.deleteMany({ uid: 'nobody' })).toBe(0);
      });
    });

    describe('compound index', () => {
      const indexes: IndexSpec[] = [
        { name: 'tenant_score_at', key: { tenant: 1, score: 1, at: -1 } },
        { name: 'tenant_rank_uid', key: { tenant: 1, rank: 1, uid: 1 } },
      ];

      beforeEach(async () => {
        await things.createIndexes(indexes);
      });

      test('serves an equality prefix and a range in either direction, with skip and limit', async () => {
        const inRange = { tenant: 'acme', score: { $gte: 20, $lte: 40 } };
        expect(uids(await things.find(inRange, { sort: { score: -1, at: -1 } }))).toEqual(['acme-1', 'acme-6', 'acme-3', 'acme-4']);
        expect(uids(await things.find(inRange, { sort: { score: 1, at: 1 }, skip: 1, limit: 2 }))).toEqual(['acme-3', 'acme-6']);
        expect(await things.countDocuments(inRange)).toBe(4);
        expect(await things.countDocuments({ tenant: 'acme', score: { $in: [10, 30, 99] } })).toBe(3);
      });

      test('a sort the index gives after an $in on its second field, ties broken by the next sort key', async () => {
        const page = await things.find({ tenant: 'acme', score: { $in: [30, 40, 50] } }, { sort: { at: -1, uid: 1 }, limit: 2 });
        expect(uids(page)).toEqual(['acme-6', 'acme-5']);
      });

      test('sorts values of mixed types in MongoDB order: null and missing, numbers, strings, booleans, dates', async () => {
        const ranks: unknown[] = [true, 'b', 2, new Date(Date.UTC(2026, 1, 1)), null, 'A', 1.5, undefined, false];
        await things.insertMany(ranks.map((rank, n) => ({ ...thing('initech', n, 'r', n), ...(rank === undefined ? {} : { rank }) })));
        const ascending = uids(await things.find({ tenant: 'initech' }, { sort: { rank: 1, uid: 1 } }));
        expect(ascending).toEqual(['initech-4', 'initech-7', 'initech-6', 'initech-2', 'initech-5', 'initech-1', 'initech-8', 'initech-0', 'initech-3']);
        const descending = uids(await things.find({ tenant: 'initech' }, { sort: { rank: -1, uid: 1 } }));
        expect(descending).toEqual(['initech-3', 'initech-0', 'initech-8', 'initech-1', 'initech-5', 'initech-2', 'initech-6', 'initech-4', 'initech-7']);
        expect(await things.countDocuments({ tenant: 'initech', rank: null })).toBe(2);
        expect(uids(await things.find({ tenant: 'initech', rank: { $gt: 1 } }, { sort: { rank: 1 } }))).toEqual(['initech-6', 'initech-2']);
      });

      test('a write that changes an indexed field moves the document in the order, and a refused one changes nothing', async () => {
        await things.findOneAndUpdate({ uid: 'acme-2' }, { $set: { score: 45 } });
        expect(uids(await things.find({ tenant: 'acme', score: { $gte: 40 } }, { sort: { score: -1 } }))).toEqual(['acme-5', 'acme-2', 'acme-1']);
        await things.bulkWrite([
          { updateOne: { filter: { tenant: 'acme', uid: 'acme-5' }, update: { $set: { score: 5 } } } },
          { updateOne: { filter: { tenant: 'acme', uid: 'acme-7' }, update: { $setOnInsert: { name: 'new', score: 41, at: new Date(Date.UTC(2026, 0, 7)) } }, upsert: true } },
        ]);
        expect(uids(await things.find({ tenant: 'acme', score: { $gte: 40 } }, { sort: { score: -1 } }))).toEqual(['acme-2', 'acme-7', 'acme-1']);
        expect(await things.countDocuments({ tenant: 'acme', score: { $lt: 20 } })).toBe(1);
        await things.deleteMany({ uid: 'acme-2' });
        expect(uids(await things.find({ tenant: 'acme', score: { $gte: 40 } }, { sort: { score: -1 } }))).toEqual(['acme-7', 'acme-1']);
      });
    });

    describe('unique index', () => {
      const unique = { key: { tenant: 1, uid: 1 } as const, name: 'tenant_uid_unique', unique: true };

      beforeEach(async () => {
        await things.createIndexes([unique, { key: { tenant: 1, name: 1, uid: 1 }, name: 'tenant_name_uid' }]);
      });

      test('insertOne of a duplicate is refused with DuplicateKeyError naming the index', async () => {
        const error = await things.insertOne(thing('acme', 1, 'other', 0)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateKeyError);
        expect((error as DuplicateKeyError).index).toBe('tenant_uid_unique');
        expect(await things.find({ uid: 'acme-1' })).toEqual([fixtures()[0]]);
      });

      test('the same uid in another tenant is not a duplicate', async () => {
        await things.insertOne(thing('globex', 4, 'x', 0, { uid: 'acme-1' }));
        expect(await things.countDocuments({ uid: 'acme-1' })).toBe(2);
      });

      test('insertMany with a duplicate in the middle writes none of the batch', async () => {
        const batch = [thing('acme', 20, 'new-1', 0), thing('acme', 2, 'clash', 0), thing('acme', 21, 'new-2', 0)];
        await expect(things.insertMany(batch)).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await things.countDocuments({ uid: { $in: ['acme-20', 'acme-21'] } })).toBe(0);
        expect(await things.countDocuments({})).toBe(9);
      });

      test('insertMany whose documents clash among themselves writes none of them', async () => {
        const batch = [thing('acme', 30, 'a', 0), thing('acme', 30, 'b', 0)];
        await expect(things.insertMany(batch)).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await things.countDocuments({ uid: 'acme-30' })).toBe(0);
      });

      test('findOneAndUpdate that would create a duplicate is refused and leaves the document as it was', async () => {
        await expect(things.findOneAndUpdate({ uid: 'acme-1' }, { $set: { uid: 'acme-2', name: 'half' } })).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await things.findOne({ uid: 'acme-1' })).toEqual(fixtures()[0]);
        expect(await things.countDocuments({ name: 'half' })).toBe(0);
      });

      test('creating a unique index over documents that already break it is refused', async () => {
        await expect(things.createIndexes([{ key: { name: 1 }, name: 'name_unique', unique: true }])).rejects.toBeInstanceOf(DuplicateKeyError);
        await things.insertOne(thing('acme', 40, 'alpha', 0));
        expect(await things.countDocuments({ name: 'alpha' })).toBe(4);
      });
    });

    describe('bulkWrite', () => {
      /** A pipeline update that sets the name only when `version` is newer than the stored one: the newest wins, in any order. */
      const newest = (name: string, version: number) => [
        { $set: { name: { $cond: [{ $lt: [{ $ifNull: ['$version', -1] }, { $literal: version }] }, { $literal: name }, '$name'] }, version: { $max: [{ $ifNull: ['$version', -1] }, { $literal: version }] } } },
      ];

      test('applies update operators and pipelines in order, in one round trip, and counts what matched, changed and was inserted', async () => {
        const before = database.stats.roundTrips;
        const result = await things.bulkWrite([
          { updateOne: { filter: { uid: 'acme-1' }, update: { $set: { name: 'delta-2' } } } },
          { updateOne: { filter: { uid: 'acme-1' }, update: { $set: { name: 'delta-2' } } } },
          { updateOne: { filter: { uid: 'acme-2' }, update: [{ $set: { score: { $add: ['$score', 1] } } }] } },
          { updateOne: { filter: { uid: 'nobody' }, update: { $set: { name: 'x' } } } },
          { updateOne: { filter: { tenant: 'acme', uid: 'acme-60' }, update: newest('new', 1), upsert: true } },
        ]);
        expect(database.stats.roundTrips - before).toBe(1);
        expect(result).toEqual({ matchedCount: 3, modifiedCount: 2, upsertedCount: 1 });
        expect((await things.findOne({ uid: 'acme-1' }))?.name).toBe('delta-2');
        expect((await things.findOne({ uid: 'acme-2' }))?.score).toBe(11);
        expect(await things.findOne({ uid: 'acme-60' })).toEqual({ tenant: 'acme', uid: 'acme-60', name: 'new', version: 1 });
        expect(await things.countDocuments({ name: 'x' })).toBe(0);
      });

      test('a pipeline reads the stored values: an older write after a newer one changes nothing, and so does a replay', async () => {
        const filter = { tenant: 'acme', uid: 'acme-61' };
        await things.bulkWrite([{ updateOne: { filter, update: newest('second', 2), upsert: true } }]);
        const late = await things.bulkWrite([{ updateOne: { filter, update: newest('first', 1), upsert: true } }]);
        const replay = await things.bulkWrite([{ updateOne: { filter, update: newest('second', 2), upsert: true } }]);
        expect(late).toEqual({ matchedCount: 1, modifiedCount: 0, upsertedCount: 0 });
        expect(replay).toEqual({ matchedCount: 1, modifiedCount: 0, upsertedCount: 0 });
        expect(await things.find({ uid: 'acme-61' })).toEqual([{ tenant: 'acme', uid: 'acme-61', name: 'second', version: 2 }]);
      });

      test('$setOnInsert sets its fields only when an upsert inserts: a document that exists keeps them', async () => {
        const filter = { tenant: 'acme', uid: 'acme-62' };
        const create = (name: string) => ({ updateOne: { filter, update: { $setOnInsert: { name, score: 1 } }, upsert: true } });
        expect(await things.bulkWrite([create('first')])).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
        expect(await things.bulkWrite([create('second')])).toEqual({ matchedCount: 1, modifiedCount: 0, upsertedCount: 0 });
        const withSet = { updateOne: { filter: { uid: 'acme-1' }, update: { $set: { score: 5 }, $setOnInsert: { name: 'ignored' } }, upsert: true } };
        expect(await things.bulkWrite([withSet])).toEqual({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
        expect(await things.find({ uid: 'acme-62' })).toEqual([{ tenant: 'acme', uid: 'acme-62', name: 'first', score: 1 }]);
        expect(await things.findOne({ uid: 'acme-1' })).toMatchObject({ name: fixtures()[0].name, score: 5 });
      });

      test('takes text that starts with $ as data inside $literal', async () => {
        await things.bulkWrite([{ updateOne: { filter: { uid: 'acme-1' }, update: [{ $set: { name: { $literal: '$score' } } }] } }]);
        expect((await things.findOne({ uid: 'acme-1' }))?.name).toBe('$score');
      });

      test('stops at the first duplicate key: the operations before it stay applied, none after it is', async () => {
        await things.createIndexes([{ key: { tenant: 1, uid: 1 }, name: 'tenant_uid_unique', unique: true }]);
        const error = await things
          .bulkWrite([
            { updateOne: { filter: { uid: 'acme-1' }, update: { $set: { name: 'before' } } } },
            { updateOne: { filter: { uid: 'acme-2' }, update: { $set: { uid: 'acme-3' } } } },
            { updateOne: { filter: { uid: 'acme-4' }, update: { $set: { name: 'after' } } } },
          ])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateKeyError);
        expect((await things.findOne({ uid: 'acme-1' }))?.name).toBe('before');
        expect((await things.findOne({ uid: 'acme-2' }))?.name).toBe('Bravo');
        expect((await things.findOne({ uid: 'acme-4' }))?.name).toBe('charlie');
      });

      test('an upsert that would duplicate a unique key is refused', async () => {
        await things.createIndexes([{ key: { tenant: 1, uid: 1 }, name: 'tenant_uid_unique', unique: true }]);
        const clash = { updateOne: { filter: { tenant: 'acme', uid: 'acme-1', name: 'not-delta' }, update: [{ $set: { score: { $literal: 0 } } }], upsert: true } };
        await expect(things.bulkWrite([clash])).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await things.countDocuments({ uid: 'acme-1' })).toBe(1);
      });

      test('no operations take no round trip', async () => {
        const before = database.stats.roundTrips;
        expect(await things.bulkWrite([])).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedCount: 0 });
        expect(database.stats.roundTrips).toBe(before);
      });

      test('TenantScopedBulkWrite confines each operation to its tenant and writes several tenants in one round trip', async () => {
        const before = database.stats.roundTrips;
        const result = await new TenantScopedBulkWrite(things)
          .updateOne('acme', { uid: 'globex-1' }, { $set: { name: 'taken' } })
          .updateOne('acme', { tenant: 'globex', uid: 'acme-1' }, [{ $set: { name: { $literal: 'acme-own' } } }])
          .updateOne('globex', { uid: 'globex-1' }, [{ $set: { name: { $literal: 'globex-own' } } }])
          .updateOne('globex', { uid: 'globex-70' }, [{ $set: { name: { $literal: 'new' } } }], { upsert: true })
          .execute();
        expect(database.stats.roundTrips - before).toBe(1);
        expect(result).toEqual({ matchedCount: 2, modifiedCount: 2, upsertedCount: 1 });
        expect((await things.findOne({ uid: 'acme-1' }))?.name).toBe('acme-own');
        expect(await things.find({ uid: 'globex-1' }, { projection: { tenant: 1, name: 1 } })).toEqual([{ tenant: 'globex', name: 'globex-own' }]);
        expect(await things.find({ uid: 'globex-70' }, { projection: { tenant: 1, uid: 1, name: 1 } })).toEqual([{ tenant: 'globex', uid: 'globex-70', name: 'new' }]);
      });

      test('findForTenants reads several tenants in one round trip, each filter confined to its tenant', async () => {
        const before = database.stats.roundTrips;
        const found = await findForTenants(
          things,
          new Map([
            ['acme', { name: 'alpha' }],
            ['globex', { tenant: 'acme', uid: 'globex-2' }],
          ]),
          { sort: { uid: 1 } },
        );
        expect(database.stats.roundTrips - before).toBe(1);
        expect(found.map((t) => t.uid)).toEqual(['acme-3', 'acme-5', 'globex-2']);
        expect(await findForTenants(things, new Map())).toEqual([]);
        expect(database.stats.roundTrips - before).toBe(1);
      });

      test('TenantScopedBulkWrite refuses updates that would change or drop the tenant, or rebuild the document', () => {
        const write = new TenantScopedBulkWrite(things);
        expect(() => write.updateOne('acme', { uid: 'acme-1' }, [{ $set: { tenant: 'globex' } }])).toThrow(/tenant/);
        expect(() => write.updateOne('acme', { uid: 'acme-1' }, [{ $addFields: { 'tenant.x': 1 } }])).toThrow(/tenant/);
        expect(() => write.updateOne('acme', { uid: 'acme-1' }, [{ $unset: ['name', 'tenant'] }])).toThrow(/tenant/);
        expect(() => write.updateOne('acme', { uid: 'acme-1' }, [{ $replaceWith: { tenant: 'globex' } }])).toThrow(/\$replaceWith is not allowed/);
        expect(() => write.updateOne('acme', { uid: 'acme-1' }, { $set: { tenant: 'globex' } })).toThrow(/tenant/);
        expect(() => write.updateOne('', { uid: 'acme-1' }, { $set: { name: 'x' } })).toThrow(/tenant/);
        expect(write.size).toBe(0);
      });
    });

    test('stats.roundTrips counts one per call', async () => {
      const before = database.stats.roundTrips;
      await things.find({});
      await things.findOne({});
      await things.countDocuments({});
      await things.aggregate([{ $count: 'n' }]);
      await things.insertOne(thing('acme', 50, 'x', 0));
      await things.insertMany([thing('acme', 51, 'x', 0), thing('acme', 52, 'x', 0)]);
      await things.findOneAndUpdate({ uid: 'acme-50' }, { $set: { name: 'y' } });
      await things.deleteMany({ name: 'x' });
      await things.createIndexes([{ key: { score: 1 }, name: 'score' }]);
      expect(database.stats.roundTrips - before).toBe(9);
    });

    test('reports every round trip to its observer, by operation, and still counts each one', async () => {
      const reported: string[] = [];
      database.observe = (operation, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        reported.push(operation);
      };
      try {
        const before = database.stats.roundTrips;
        await things.find({ tenant: 'acme' });
        await things.findOne({ uid: 'acme-1' });
        await things.countDocuments({});
        await things.aggregate([{ $match: { tenant: 'acme' } }]);
        await things.insertOne(thing('acme', 7, 'foxtrot', 1));
        await things.insertMany([thing('acme', 8, 'golf', 1)]);
        await things.findOneAndUpdate({ uid: 'acme-7' }, { $set: { score: 2 } });
        await things.deleteMany({ uid: 'acme-8' });
        await things.createIndexes([{ key: { uid: 1 }, name: 'uid_unique', unique: true }]);
        await expect(attempt(() => things.insertOne(thing('acme', 7, 'again', 1)))).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(reported).toEqual(['find', 'findOne', 'count', 'aggregate', 'insert', 'insert', 'update', 'delete', 'createIndexes', 'insert']);
        expect(database.stats.roundTrips - before).toBe(reported.length);
      } finally {
        database.observe = undefined;
      }
    });

    describe('TenantScopedCollection', () => {
      let acme: TenantScopedCollection<Thing>;
      beforeEach(() => {
        acme = new TenantScopedCollection(things, 'acme');
      });

      test('reads only its tenant, whatever tenant the filter names', async () => {
        expect(uids(await acme.find({}, { sort: { uid: 1 } }))).toEqual(['acme-1', 'acme-2', 'acme-3', 'acme-4', 'acme-5', 'acme-6']);
        expect(uids(await acme.find({ tenant: 'globex' }, { sort: { uid: 1 } }))).toEqual(['acme-1', 'acme-2', 'acme-3', 'acme-4', 'acme-5', 'acme-6']);
        expect(await acme.find({ uid: 'globex-1' })).toEqual([]);
        expect(await acme.find({ $or: [{ tenant: 'globex' }, { uid: 'globex-2' }] })).toEqual([]);
        expect(await acme.findOne({ uid: 'globex-1' })).toBeNull();
        expect(await acme.countDocuments({})).toBe(6);
        expect(await acme.countDocuments({ tenant: { $in: ['acme', 'globex'] } })).toBe(6);
      });

      test('pipelines see only its tenant, inside $facet too', async () => {
        expect(await acme.aggregate([{ $match: { tenant: 'globex' } }])).toEqual([]);
        const [facets] = await acme.aggregate<{ all: Array<{ n: number }>; tenants: Array<{ _id: string }> }>([
          { $facet: { all: [{ $count: 'n' }], tenants: [{ $group: { _id: '$tenant' } }] } },
        ]);
        expect(facets).toEqual({ all: [{ n: 6 }], tenants: [{ _id: 'acme' }] });
      });

      test('refuses stages that read or write other collections, inside $facet too, before any round trip', async () => {
        const before = database.stats.roundTrips;
        const escapes: Document[][] = [
          [{ $lookup: { from: things.collectionName, localField: 'uid', foreignField: 'uid', as: 'x' } }],
          [{ $graphLookup: { from: things.collectionName, startWith: '$uid', connectFromField: 'uid', connectToField: 'uid', as: 'x' } }],
          [{ $unionWith: { coll: things.collectionName } }],
          [{ $out: `${things.collectionName}_copy` }],
          [{ $merge: { into: `${things.collectionName}_copy` } }],
          [{ $facet: { sneaky: [{ $unionWith: { coll: things.collectionName } }] } }],
          [{ $facet: { nested: [{ $facet: { deeper: [{ $lookup: { from: things.collectionName, localField: 'uid', foreignField: 'uid', as: 'x' } }] } }] } }],
        ];
        for (const pipeline of escapes) await expect(attempt(() => acme.aggregate(pipeline))).rejects.toThrow(/bypass the tenant filter/);
        expect(database.stats.roundTrips).toBe(before);
      });

      test("never changes another tenant's document", async () => {
        expect(await acme.findOneAndUpdate({ uid: 'globex-1' }, { $set: { name: 'taken' } })).toBeNull();
        expect((await acme.findOneAndUpdate({ tenant: 'globex' }, { $set: { name: 'taken' } }))?.tenant).toBe('acme');
        expect(await things.findOne({ uid: 'globex-1' })).toEqual(fixtures()[6]);
        expect(await things.countDocuments({ tenant: 'globex', name: 'taken' })).toBe(0);
      });

      test('refuses an update that would move a document to another tenant', async () => {
        await expect(attempt(() => acme.findOneAndUpdate({ uid: 'acme-1' }, { $set: { tenant: 'globex' } }))).rejects.toThrow(/tenant/);
        await expect(attempt(() => acme.findOneAndUpdate({ uid: 'acme-1' }, { $unset: { tenant: '' } }))).rejects.toThrow(/tenant/);
        await expect(attempt(() => acme.findOneAndUpdate({ uid: 'acme-1' }, { $rename: { name: 'tenant' } }))).rejects.toThrow(/tenant/);
        await expect(attempt(() => acme.findOneAndUpdate({ uid: 'acme-1' }, [{ $set: { tenant: 'globex' } }] as never))).rejects.toThrow(/pipeline/);
        expect(await things.countDocuments({ tenant: 'acme' })).toBe(6);
      });

      test('insertOne stores the document under its own tenant, whatever tenant the document names', async () => {
        await acme.insertOne({ ...thing('globex', 9, 'planted', 0) });
        expect(await things.find({ name: 'planted' }, { projection: { tenant: 1, uid: 1 } })).toEqual([{ tenant: 'acme', uid: 'globex-9' }]);
      });
    });
  });

  (skip ? describe.skip : describe)(`closed document store: ${title}`, () => {
    test('every operation raises StoreUnavailableError once the store is closed', async () => {
      const database = await store.open();
      const name = `${RUN}_closed`;
      const collection = database.collection<Thing>(name);
      await collection.insertOne(thing('acme', 1, 'a', 1));
      await store.cleanUp([name]);
      await database.close();
      await expect(database.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      const operations: Array<() => Promise<unknown>> = [
        () => collection.find({}),
        () => collection.findOne({}),
        () => collection.countDocuments({}),
        () => collection.aggregate([]),
        () => collection.insertOne(thing('acme', 2, 'b', 1)),
        () => collection.insertMany([thing('acme', 3, 'c', 1)]),
        () => collection.findOneAndUpdate({}, { $set: { name: 'x' } }),
        () => collection.deleteMany({}),
        () => collection.createIndexes([{ key: { uid: 1 }, name: 'uid' }]),
        () => new TenantScopedCollection(collection, 'acme').find({}),
      ];
      for (const operation of operations) await expect(operation()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}

describeDocumentStoreContract('embedded', {
  open: async () => new EmbeddedDocumentDatabase(),
  findOf250RoundTrips: 1,
  cleanUp: async () => undefined,
});

if (MONGODB_URL) {
  describeDocumentStoreContract('MongoDB', {
    open: () => openDocumentDatabase(MONGODB_URL, MONGODB_DATABASE),
    findOf250RoundTrips: 2,
    cleanUp: async (names) => {
      const client = await MongoClient.connect(MONGODB_URL, { serverSelectionTimeoutMS: 5000 });
      try {
        const db = client.db(databaseNameOf(MONGODB_URL, MONGODB_DATABASE));
        const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
        for (const name of names) {
          if (existing.has(name)) await db.dropCollection(name);
        }
      } finally {
        await client.close();
      }
    },
  });
} else {
  console.warn('MongoDB contract suite skipped: MONGODB_URL is not set (only the embedded document store was tested)');
  describeDocumentStoreContract('MongoDB (skipped: MONGODB_URL is not set)', { open: () => Promise.reject(new Error('unreachable')), findOf250RoundTrips: 2, cleanUp: async () => undefined }, true);
}
