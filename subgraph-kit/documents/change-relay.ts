import type { ChangeEvent, ChangePublisher } from '../../lib/change-events/change-event';
import type { Logger } from '../../lib/logger';
import type { DocumentCollection } from './store';

/**
 * What a document that records its own changes carries (the outbox, in the document itself): every write that
 * changes it appends to `changes` and increments `changeSequence` in the same atomic write, and sets `unpublished`.
 */
export interface ChangeRecordingDocument {
  tenant: string;
  uid: string;
  /** The last changes kept, oldest first; the last one's sequence is changeSequence, each earlier one's one less. */
  changes?: Array<{ at: Date }>;
  changeSequence?: number;
  /** Every change up to this sequence was published. */
  publishedSequence?: number;
  unpublished?: boolean;
}

/** What the kit decides about a relay: how often it sweeps. */
export interface ChangeRelaySettings {
  /** How often the relay looks for changes nobody nudged it about (a process that died before publishing); 1 s when not given. */
  sweepIntervalMs?: number;
}

export interface ChangeRelayOptions<T extends ChangeRecordingDocument> extends ChangeRelaySettings {
  collection: DocumentCollection<T>;
  /** The subscription field the changes feed (`incidentChanged`). */
  field: string;
  publisher: ChangePublisher;
  logger: Logger;
  /** Documents handled per sweep. */
  batchSize?: number;
}

/** What the relay reads of a marked document. */
const OUTBOX_FIELDS: Record<string, 1> = { tenant: 1, uid: 1, changes: 1, changeSequence: 1, publishedSequence: 1 };

export interface ChangeRelay {
  /** Something was committed: publish soon. */
  nudge(): void;
  /** Stops after the publishing in progress. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Publishes the changes documents recorded, after they were committed: it finds documents marked unpublished,
 * publishes their changes past `publishedSequence` in order (the publisher acknowledges each), then records how far
 * it got; a document changed meanwhile stays marked for the next round. A process that dies between a commit and
 * its publication leaves the mark, and the next sweep (here or in another replica) publishes the change: none is
 * lost. One may be published twice (a crash after publishing, before recording); receivers deduplicate by id.
 */
export function startChangeRelay<T extends ChangeRecordingDocument>(options: ChangeRelayOptions<T>): ChangeRelay {
  const batchSize = options.batchSize ?? 200;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const publishPending = async () => {
    // The relay serves every tenant: it reads only what events name, and writes only how far it published.
    // Only the outbox: a document's other fields (an incident's findings and timeline) can be large, and are not published.
    const pending = await options.collection.find({ unpublished: true } as never, { limit: batchSize, projection: OUTBOX_FIELDS });
    for (const document of pending) if (await publishChangesOf(document)) again = true;
    if (pending.length === batchSize) again = true;
  };

  /** Publishes a document's unpublished changes; true when it changed again meanwhile and stays marked. */
  const publishChangesOf = async (document: T): Promise<boolean> => {
    const changes = document.changes ?? [];
    const last = document.changeSequence ?? 0;
    let published = document.publishedSequence ?? 0;
    const oldestKept = last - changes.length + 1;
    if (published + 1 < oldestKept) {
      options.logger.error({ uid: document.uid, field: options.field, lost: oldestKept - published - 1 }, 'changes dropped from a document before they were published');
      published = oldestKept - 1;
    }
    for (let sequence = published + 1; sequence <= last; sequence++) {
      const change = changes[changes.length - 1 - (last - sequence)];
      const event: ChangeEvent = { id: `${document.uid}:${sequence}`, field: options.field, tenant: document.tenant, entity: document.uid, sequence, at: new Date(change.at).toISOString() };
      await options.publisher.publish(event);
      published = sequence;
    }
    // One round trip, and nothing of the (possibly large) document sent back. The mark is cleared only if nothing
    // was committed since: otherwise it stays, and another round follows at once.
    const { matchedCount } = await options.collection.bulkWrite([
      { updateOne: { filter: { tenant: document.tenant, uid: document.uid } as never, update: { $max: { publishedSequence: published } } as never } },
      { updateOne: { filter: { tenant: document.tenant, uid: document.uid, changeSequence: published } as never, update: { $set: { unpublished: false } } as never } },
    ]);
    return matchedCount < 2;
  };

  const round = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await publishPending();
        } catch (error) {
          options.logger.warn({ err: error, field: options.field }, 'publishing changes failed; the next round tries again');
          break;
        }
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
  };

  const sweep = setInterval(round, options.sweepIntervalMs ?? 1000);
  sweep.unref();
  round();
  return {
    nudge: round,
    async close() {
      closed = true;
      clearInterval(sweep);
      await running;
    },
  };
}
