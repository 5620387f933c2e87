import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { QueryDeadlineExceededError, StoreRefusedValueError, StoreUnavailableError } from '../store-errors';
import { observeRoundTrip, type StoreObserver, type StoreStats } from '../store-observer';
import { databaseNameOf } from './mongo-url';
import {
  DuplicateKeyError,
  type BulkWriteOperation,
  type BulkWriteResult,
  type Document,
  type DocumentCollection,
  type DocumentDatabase,
  type DocumentOperation,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type UpdateFilter,
} from './store';

/**
 * MongoDB through the official driver. The database name comes from the URL's path. Round trips are counted
 * by the driver's command monitoring, so a cursor's getMore counts as the round trip it is; the observer times
 * each operation as the subgraph asked for it.
 */
export class MongoDocumentDatabase implements DocumentDatabase {
  readonly kind = 'mongodb' as const;
  readonly stats: StoreStats = { roundTrips: 0 };
  observe?: StoreObserver<DocumentOperation>;
  queryTimeoutMs?: number;
  private readonly state = { closed: false };

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    client.on('commandStarted', () => {
      this.stats.roundTrips += 1;
    });
  }

  static async connect(url: string, defaultDatabase: string): Promise<MongoDocumentDatabase> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, appName: 'palisade', monitorCommands: true });
    try {
      await client.connect();
    } catch (error) {
      throw new StoreUnavailableError('cannot connect to MongoDB', { cause: error });
    }
    return new MongoDocumentDatabase(client, client.db(databaseNameOf(url, defaultDatabase)));
  }

  collection<T extends Document>(name: string): DocumentCollection<T> {
    return new MongoCollection<T>(this.db.collection<T>(name), this, this.state);
  }

  async ping(): Promise<void> {
    assertOpen(this.state);
    await guard(() => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    this.state.closed = true;
    await this.client.close();
  }
}

class MongoCollection<T extends Document> implements DocumentCollection<T> {
  constructor(
    private readonly collection: Collection<T>,
    /** Read on every call: the observer and the timeout may be set after the collection was handed out. */
    private readonly database: Pick<DocumentDatabase, 'observe' | 'queryTimeoutMs'>,
    private readonly state: { closed: boolean },
  ) {}

  get collectionName(): string {
    return this.collection.collectionName;
  }

  find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    return this.call('find', async () => {
      let cursor = this.collection.find(filter, { projection: withoutId(options.projection), maxTimeMS: this.database.queryTimeoutMs });
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor.toArray()) as T[];
    });
  }

  findOne(filter: Filter<T>, options: Pick<FindOptions, 'projection' | 'sort'> = {}): Promise<T | null> {
    return this.call('findOne', async () => (await this.collection.findOne(filter, { ...options, projection: withoutId(options.projection), maxTimeMS: this.database.queryTimeoutMs })) as T | null);
  }

  countDocuments(filter: Filter<T>): Promise<number> {
    return this.call('count', () => this.collection.countDocuments(filter, { maxTimeMS: this.database.queryTimeoutMs }));
  }

  aggregate<R extends Document = Document>(pipeline: Document[]): Promise<R[]> {
    return this.call('aggregate', () => this.collection.aggregate<R>(pipeline, { maxTimeMS: this.database.queryTimeoutMs }).toArray());
  }

  async insertOne(doc: T): Promise<void> {
    await this.insertMany([doc]);
  }

  insertMany(docs: T[]): Promise<void> {
    // The driver adds _id to the objects it is given; copies keep the caller's objects as they were.
    const copies = docs.map((d) => ({ ...d }));
    return this.call('insert', async () => {
      try {
        await this.collection.insertMany(copies as never);
      } catch (error) {
        if (isDuplicateKey(error)) await this.undoInsert(copies);
        throw error;
      }
    });
  }

  /**
   * An ordered insert stops at the first duplicate after writing the documents before it. Deleting those
   * again makes a refused insertMany write nothing, as on the embedded store; the copies carry the _id the
   * driver gave them, so this deletes only what this call wrote. (Not isolated: a concurrent reader may
   * see them in between. Transactions would isolate it, but need a replica set.)
   */
  private async undoInsert(copies: Document[]): Promise<void> {
    const ids = copies.map((c) => c._id).filter((id) => id !== undefined);
    await this.collection.deleteMany({ _id: { $in: ids } } as Filter<T>);
  }

  findOneAndUpdate(filter: Filter<T>, update: UpdateFilter<T>): Promise<T | null> {
    return this.call('update', async () => (await this.collection.findOneAndUpdate(filter, update, { returnDocument: 'after', projection: { _id: 0 }, maxTimeMS: this.database.queryTimeoutMs })) as T | null);
  }

  deleteMany(filter: Filter<T>): Promise<number> {
    return this.call('delete', async () => (await this.collection.deleteMany(filter)).deletedCount);
  }

  async bulkWrite(operations: BulkWriteOperation<T>[]): Promise<BulkWriteResult> {
    // The driver refuses an empty batch; the embedded store answers it without a round trip, and so does this.
    if (operations.length === 0) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    return this.call('bulkWrite', async () => {
      const result = await this.collection.bulkWrite(operations as never, { ordered: true, maxTimeMS: this.database.queryTimeoutMs });
      return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedCount: result.upsertedCount };
    });
  }

  createIndexes(indexes: IndexSpec[]): Promise<void> {
    return this.call('createIndexes', async () => {
      await this.collection.createIndexes(indexes.map((i) => ({ key: i.key, name: i.name, unique: i.unique })));
    });
  }

  private async call<R>(operation: DocumentOperation, roundTrip: () => Promise<R>): Promise<R> {
    assertOpen(this.state);
    return observeRoundTrip(this.database.observe, operation, () => guard(roundTrip));
  }
}

/** After close() the driver would reconnect on the next operation; a closed store stays closed instead. */
function assertOpen(state: { closed: boolean }): void {
  if (state.closed) throw new StoreUnavailableError('the MongoDB connection is closed');
}

function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000;
}

/** MaxTimeMSExpired: the server stopped an operation at its maxTimeMS. */
const MAX_TIME_EXPIRED = 50;

/**
 * Server errors about a value a request sent as data: BSONObjectTooLarge, a document too large after an update,
 * DocumentValidationFailure. (BadValue is left out: MongoDB also answers it for a malformed query, which would be
 * this code's fault, not the client's.)
 */
const REFUSED_VALUE_CODES = new Set([10334, 17419, 121]);

/** The index name from MongoDB's "E11000 duplicate key error collection: db.c index: <name> dup key: ..." */
function duplicateIndexName(error: MongoServerError): string {
  const named = /index: (\S+) dup key/.exec(error.message);
  if (named) return named[1];
  const { keyPattern } = error as MongoServerError & { keyPattern?: unknown };
  return keyPattern ? JSON.stringify(keyPattern) : 'unknown';
}

/** MongoDB's own _id never leaves the store: documents are addressed by their uid. */
function withoutId(projection: Record<string, 0 | 1> | undefined): Document {
  return projection ? { ...projection, _id: 0 } : { _id: 0 };
}

/**
 * Errors of the server pass through as the store's own kinds (a duplicate key, a deadline, a refused value) or as
 * they are; every other failure (no server, a dropped connection, a closed client) is the store being unavailable.
 */
export async function guard<R>(operation: () => Promise<R>): Promise<R> {
  try {
    return await operation();
  } catch (error) {
    if (isDuplicateKey(error)) throw new DuplicateKeyError(duplicateIndexName(error));
    if (error instanceof MongoServerError && error.code === MAX_TIME_EXPIRED) throw new QueryDeadlineExceededError(error.message, { cause: error });
    if (error instanceof MongoServerError && REFUSED_VALUE_CODES.has(Number(error.code))) throw new StoreRefusedValueError(error.message, { cause: error });
    if (error instanceof MongoServerError) throw error;
    throw new StoreUnavailableError('MongoDB did not answer', { cause: error });
  }
}
