import { DuplicateKeyError, EmbeddedDocumentDatabase, TenantScopedCollection, type DocumentCollection, type IndexSpec, type TenantDocument } from '..';
import { documentsExamined } from './documents-examined';

/**
 * The embedded store's ordered indexes: a sorted page reads about as many documents as it holds
 * (stats.documentsExamined, MongoDB's docsExamined), a count its bounds say exactly reads none, and the answers
 * are those of an unindexed collection, through writes that move documents in the order.
 */

interface Incident extends TenantDocument {
  uid: string;
  status: string;
  severityId: number;
  createdAt: Date;
  note?: string;
}

const STATUSES = ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'];
/** The incidents subgraph's board index, and its newest-first index. */
const INDEXES: IndexSpec[] = [
  { name: 'tenant_uid', key: { tenant: 1, uid: 1 }, unique: true },
  { name: 'tenant_createdAt_uid', key: { tenant: 1, createdAt: -1, uid: -1 } },
  { name: 'tenant_status_severityId_createdAt', key: { tenant: 1, status: 1, severityId: 1, createdAt: -1 } },
];
const PER_TENANT = 5000;
/** Every third incident shares its createdAt with the one before, so sorts meet ties. */
const createdAt = (n: number) => new Date(Date.UTC(2026, 0, 1) + (n - (n % 3 === 2 ? 1 : 0)) * 60_000);

function incidents(): Incident[] {
  return ['acme', 'globex'].flatMap((tenant) =>
    Array.from({ length: PER_TENANT }, (_, n) => ({ tenant, uid: `${tenant}-${String(n).padStart(5, '0')}`, status: STATUSES[n % 5], severityId: n % 7, createdAt: createdAt(n) })),
  );
}

const BOARD = { status: { $in: ['NEW', 'IN_PROGRESS'] }, $and: [{ severityId: { $gte: 4, $lte: 6 } }] };
const NEWEST_FIRST = { createdAt: -1, uid: -1 } as const;
const uids = (docs: Array<{ uid: string }>) => docs.map((d) => d.uid);
const afterKey = (last: Incident) => ({ $or: [{ createdAt: { $lt: last.createdAt } }, { createdAt: last.createdAt, uid: { $lt: last.uid } }] });

describe('embedded document store: ordered indexes', () => {
  let database: EmbeddedDocumentDatabase;
  let indexed: DocumentCollection<Incident>;
  let plain: DocumentCollection<Incident>;
  let acme: TenantScopedCollection<Incident>;
  let names = 0;

  const examined = (operation: () => Promise<unknown>) => documentsExamined(database, operation);

  /** The indexed collection answers as the unindexed one. */
  async function expectSameAnswers(filter: object, options: object = {}): Promise<void> {
    const scoped = (collection: DocumentCollection<Incident>) => new TenantScopedCollection(collection, 'acme');
    expect(await scoped(indexed).find(filter, options)).toEqual(await scoped(plain).find(filter, options));
    expect(await scoped(indexed).countDocuments(filter)).toBe(await scoped(plain).countDocuments(filter));
  }

  beforeEach(async () => {
    database = new EmbeddedDocumentDatabase();
    names += 1;
    indexed = database.collection<Incident>(`indexed_${names}`);
    plain = database.collection<Incident>(`plain_${names}`);
    await indexed.createIndexes(INDEXES);
    await indexed.insertMany(incidents());
    await plain.insertMany(incidents());
    acme = new TenantScopedCollection(indexed, 'acme');
  });

  test('a board page reads about what it holds, and its count reads nothing', async () => {
    const count = await acme.countDocuments(BOARD);
    expect(count).toBe(await new TenantScopedCollection(plain, 'acme').countDocuments(BOARD));
    expect(count).toBeGreaterThan(500);
    expect(await examined(() => acme.countDocuments(BOARD))).toBe(0);
    // 51 rows, and at most the run of ties the last one starts (two here).
    const pageReads = await examined(() => acme.find(BOARD, { sort: NEWEST_FIRST, limit: 51 }));
    expect(pageReads).toBeGreaterThanOrEqual(51);
    expect(pageReads).toBeLessThanOrEqual(53);
    await expectSameAnswers(BOARD, { sort: NEWEST_FIRST, limit: 51 });
  });

  test('keyset pages through the index: every page reads about its size, and together they are the whole sorted list', async () => {
    const all = await new TenantScopedCollection(plain, 'acme').find(BOARD, { sort: NEWEST_FIRST });
    const paged: Incident[] = [];
    let last: Incident | undefined;
    for (;;) {
      const filter = last ? { ...BOARD, $and: [...BOARD.$and, afterKey(last)] } : BOARD;
      let page: Incident[] = [];
      const reads = await examined(async () => (page = await acme.find(filter, { sort: NEWEST_FIRST, limit: 100 })));
      expect(reads).toBeLessThanOrEqual(102);
      paged.push(...page);
      if (page.length < 100) break;
      last = page[page.length - 1];
    }
    expect(uids(paged)).toEqual(uids(all));
  });

  test('ranges, both sort directions, skip, and sorts the index gives only in part answer as without an index', async () => {
    const since = { createdAt: { $gte: createdAt(4000) } };
    await expectSameAnswers(since, { sort: { createdAt: 1, uid: 1 }, limit: 20 });
    await expectSameAnswers(since, { sort: { createdAt: -1 }, skip: 10, limit: 20 });
    await expectSameAnswers({ status: 'NEW' }, { sort: { severityId: -1, createdAt: 1 }, limit: 30 });
    await expectSameAnswers({ status: 'NEW', severityId: { $gt: 2 } }, { sort: { severityId: 1, uid: -1 }, limit: 30 });
    await expectSameAnswers(BOARD, { sort: { createdAt: 1 }, limit: 25 });
    await expectSameAnswers({ severityId: 3 }, { sort: { createdAt: -1, uid: 1 }, skip: 5, limit: 5, projection: { uid: 1, createdAt: 1 } });
    expect(await examined(() => acme.find(since, { sort: { createdAt: -1 }, limit: 20 }))).toBeLessThanOrEqual(22);
  });

  test('updates that change an indexed key move the document; a refused write leaves every index as it was', async () => {
    const [first] = await acme.find(BOARD, { sort: NEWEST_FIRST, limit: 1 });
    for (const collection of [indexed, plain]) {
      const scoped = new TenantScopedCollection(collection, 'acme');
      await scoped.findOneAndUpdate({ uid: first.uid }, { $set: { status: 'RESOLVED' } });
      await scoped.findOneAndUpdate({ uid: 'acme-00003' }, { $set: { status: 'NEW', severityId: 6, createdAt: createdAt(99_999) } });
      await collection.bulkWrite([
        { updateOne: { filter: { tenant: 'acme', uid: 'acme-00010' }, update: { $set: { severityId: 5, createdAt: createdAt(99_998) } } } },
        { updateOne: { filter: { tenant: 'acme', uid: 'acme-new' }, update: { $setOnInsert: { status: 'IN_PROGRESS', severityId: 4, createdAt: createdAt(99_995) } }, upsert: true } },
      ]);
      await collection.deleteMany({ tenant: 'acme', uid: 'acme-00015' });
    }
    // Refused by the unique index (the plain collection has none): neither write may leave a trace in the order.
    await expect(indexed.insertMany([{ tenant: 'acme', uid: 'acme-extra', status: 'NEW', severityId: 6, createdAt: createdAt(99_999) }, { tenant: 'acme', uid: 'acme-00020', status: 'NEW', severityId: 6, createdAt: createdAt(99_999) }])).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(acme.findOneAndUpdate({ uid: 'acme-00025' }, { $set: { uid: 'acme-00030', createdAt: createdAt(99_999) } })).rejects.toBeInstanceOf(DuplicateKeyError);
    const page = await acme.find(BOARD, { sort: NEWEST_FIRST, limit: 4 });
    expect(uids(page).slice(0, 3)).toEqual(['acme-00003', 'acme-00010', 'acme-new']);
    expect(uids(page)).not.toContain(first.uid);
    await expectSameAnswers(BOARD, { sort: NEWEST_FIRST, limit: 60 });
    await expectSameAnswers({}, { sort: { status: 1, createdAt: -1 }, limit: 60 });
    await expectSameAnswers({ status: 'NEW', severityId: 6 }, { sort: NEWEST_FIRST });
  });

  test('a document the order cannot place (an array in an indexed field) is still found, in the same order as without an index', async () => {
    for (const collection of [indexed, plain]) {
      await collection.insertMany([
        { tenant: 'acme', uid: 'acme-array', status: ['NEW', 'CLOSED'] as unknown as string, severityId: 5, createdAt: createdAt(99_999) },
        { tenant: 'acme', uid: 'acme-object', status: 'NEW', severityId: { level: 5 } as unknown as number, createdAt: createdAt(99_999) },
      ]);
    }
    await expectSameAnswers(BOARD, { sort: NEWEST_FIRST, limit: 5 });
    await expectSameAnswers({ status: 'CLOSED' }, { sort: NEWEST_FIRST, limit: 5 });
    expect(uids(await acme.find(BOARD, { sort: NEWEST_FIRST, limit: 1 }))).toEqual(['acme-array']);
  });
});
