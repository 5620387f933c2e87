import { QueryDeadlineExceededError } from '../../store-errors';
import { EmbeddedDocumentDatabase, type Document, type DocumentCollection } from '..';

/*
 * The embedded store's reads are bounded: they give the event loop a turn every few hundred documents and stop
 * at the deadline there, so a heavy filter costs its caller an error, not every other request the process serves.
 */

const DOCUMENTS = 20_000;
/**
 * 20 patterns that match no document: each document is tested against every one, the cost of a heavy filter.
 * (Not 500 plain values: the store finds those in a set, at the cost of one look-up a document.)
 */
const HEAVY = { tag: { $in: Array.from({ length: 20 }, (_, i) => new RegExp(`^none-${i}$`)) } };

async function storeWith(queryTimeoutMs: number | undefined): Promise<{ database: EmbeddedDocumentDatabase; items: DocumentCollection<Document> }> {
  const database = new EmbeddedDocumentDatabase();
  database.queryTimeoutMs = queryTimeoutMs;
  const items = database.collection('items');
  await items.insertMany(Array.from({ length: DOCUMENTS }, (_, i) => ({ uid: `item-${i}`, tag: `tag-${i % 1000}` })));
  return { database, items };
}

/** Runs a read while a 1 ms interval counts how often the event loop reached its timers. */
async function timersDuring(read: () => Promise<unknown>): Promise<{ outcome: unknown; timerTurns: number; elapsedMs: number }> {
  let timerTurns = 0;
  const interval = setInterval(() => (timerTurns += 1), 1);
  const started = performance.now();
  const outcome = await read().catch((error: unknown) => error);
  const elapsedMs = performance.now() - started;
  clearInterval(interval);
  return { outcome, timerTurns, elapsedMs };
}

describe('the embedded store under a query deadline', () => {
  it('stops a heavy find, count and aggregate at the deadline with QueryDeadlineExceededError, long before the scan would end', async () => {
    const { database, items } = await storeWith(undefined);
    const unbounded = await timersDuring(() => items.find(HEAVY));
    expect(unbounded.outcome).toEqual([]);

    database.queryTimeoutMs = 20;
    for (const read of [() => items.find(HEAVY), () => items.countDocuments(HEAVY), () => items.aggregate([{ $match: HEAVY }, { $count: 'n' }])]) {
      const bounded = await timersDuring(read);
      expect(bounded.outcome).toBeInstanceOf(QueryDeadlineExceededError);
      expect(bounded.elapsedMs).toBeLessThan(unbounded.elapsedMs / 2);
    }
  });

  it('keeps the event loop turning while it scans, so timers and other requests are served meanwhile', async () => {
    const { items } = await storeWith(undefined);
    const { outcome, timerTurns, elapsedMs } = await timersDuring(() => items.countDocuments(HEAVY));
    expect(outcome).toBe(0);
    expect(elapsedMs).toBeGreaterThan(20);
    // A synchronous scan would let the interval fire at most once, after it.
    expect(timerTurns).toBeGreaterThan(5);
  });

  it('answers a read that ends within its deadline in full, as an unbounded one does', async () => {
    const { items } = await storeWith(60_000);
    const filter = { tag: { $in: ['tag-1', 'tag-999'] } };
    expect(await items.countDocuments(filter)).toBe(40);
    expect((await items.find(filter, { sort: { uid: 1 }, limit: 3 })).map((item) => item.uid)).toEqual(['item-1', 'item-10001', 'item-1001']);
    expect(await items.findOne({ tag: 'tag-999' })).toEqual({ uid: 'item-999', tag: 'tag-999' });
    expect(await items.aggregate([{ $match: filter }, { $group: { _id: '$tag', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])).toEqual([
      { _id: 'tag-1', n: 20 },
      { _id: 'tag-999', n: 20 },
    ]);
  });
});
