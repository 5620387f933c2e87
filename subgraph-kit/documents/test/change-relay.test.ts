import pino from 'pino';
import type { ChangeEvent, ChangePublisher } from '../../../lib/change-events/change-event';
import { startChangeRelay, type ChangeRecordingDocument } from '../change-relay';
import { EmbeddedDocumentDatabase } from '../embedded';

const logger = pino({ level: 'silent' });

interface Recorded extends ChangeRecordingDocument {
  title: string;
}

/** A publisher that records what it was handed, and can be made to fail (a broker that is away). */
function recordingPublisher() {
  const published: ChangeEvent[] = [];
  let failing = false;
  const publisher: ChangePublisher = {
    publish: async (event) => {
      if (failing) throw new Error('the broker is away');
      published.push(event);
    },
    close: async () => undefined,
  };
  return { publisher, published, fail: (value: boolean) => (failing = value) };
}

/** The write a subgraph makes: the change and its record in one atomic update (the outbox in the document). */
async function commitChange(collection: ReturnType<EmbeddedDocumentDatabase['collection']>, uid: string, at: Date): Promise<void> {
  await collection.findOneAndUpdate({ tenant: 'acme', uid }, { $set: { unpublished: true }, $push: { changes: { $each: [{ at }], $slice: -100 } }, $inc: { changeSequence: 1 } } as never);
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the change relay (an outbox kept in each document)', () => {
  it('publishes each committed change once, in order per document, with its id, tenant and time', async () => {
    const database = new EmbeddedDocumentDatabase();
    const collection = database.collection<Recorded>('things');
    await collection.insertOne({ tenant: 'acme', uid: 't-1', title: 'one' });
    const { publisher, published } = recordingPublisher();
    const relay = startChangeRelay({ collection, field: 'thingChanged', publisher, logger, sweepIntervalMs: 60_000 });
    try {
      for (const second of [1, 2, 3]) await commitChange(collection, 't-1', new Date(Date.UTC(2026, 11, 7, 0, 0, second)));
      relay.nudge();
      await until(() => published.length === 3);
      expect(published).toEqual([1, 2, 3].map((sequence) => ({ id: `t-1:${sequence}`, field: 'thingChanged', tenant: 'acme', entity: 't-1', sequence, at: `2026-12-07T00:00:0${sequence}.000Z` })));
      relay.nudge();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(published).toHaveLength(3);
      expect(await collection.findOne({ uid: 't-1' })).toMatchObject({ publishedSequence: 3, unpublished: false });
    } finally {
      await relay.close();
    }
  });

  it('loses nothing when the process dies between the commit and the publication: the next relay publishes it', async () => {
    const database = new EmbeddedDocumentDatabase();
    const collection = database.collection<Recorded>('things');
    await collection.insertOne({ tenant: 'acme', uid: 't-1', title: 'one' });
    // The first process commits, and its broker is away: nothing can be published before it dies.
    const first = recordingPublisher();
    first.fail(true);
    const dying = startChangeRelay({ collection, field: 'thingChanged', publisher: first.publisher, logger, sweepIntervalMs: 60_000 });
    await commitChange(collection, 't-1', new Date());
    dying.nudge();
    await dying.close();
    expect(first.published).toEqual([]);
    expect(await collection.findOne({ uid: 't-1' })).toMatchObject({ unpublished: true });

    // A new process over the same store finds the change at its first sweep.
    const second = recordingPublisher();
    const next = startChangeRelay({ collection, field: 'thingChanged', publisher: second.publisher, logger, sweepIntervalMs: 60_000 });
    try {
      await until(() => second.published.length === 1);
      expect(second.published[0]).toMatchObject({ id: 't-1:1', sequence: 1 });
    } finally {
      await next.close();
    }
  });

  it('keeps a document marked when it changed again while its changes were being published', async () => {
    const database = new EmbeddedDocumentDatabase();
    const collection = database.collection<Recorded>('things');
    await collection.insertOne({ tenant: 'acme', uid: 't-1', title: 'one' });
    const published: ChangeEvent[] = [];
    let commitDuringPublish = true;
    const publisher: ChangePublisher = {
      publish: async (event) => {
        published.push(event);
        if (commitDuringPublish) {
          commitDuringPublish = false;
          await commitChange(collection, 't-1', new Date());
        }
      },
      close: async () => undefined,
    };
    const relay = startChangeRelay({ collection, field: 'thingChanged', publisher, logger, sweepIntervalMs: 60_000 });
    try {
      await commitChange(collection, 't-1', new Date());
      relay.nudge();
      await until(() => published.length === 2);
      expect(published.map((event) => event.sequence)).toEqual([1, 2]);
    } finally {
      await relay.close();
    }
    expect(await collection.findOne({ uid: 't-1' })).toMatchObject({ publishedSequence: 2, unpublished: false });
  });
});
