import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { StoreUnavailableError } from '../errors';
import {
  DuplicateKeyError,
  type Document,
  type DocumentCollection,
  type DocumentDatabase,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type StoreStats,
  type UpdateFilter,
} from './store';

/** MongoDB through the official driver. The database name comes from the URL's path. */
export class MongoDocumentDatabase implements DocumentDatabase {
  readonly kind = 'mongodb' as const;
  readonly stats: StoreStats = { roundTrips: 0 };

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  static async connect(url: string, defaultDatabase: string): Promise<MongoDocumentDatabase> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, appName: 'palisade' });
    try {
      await client.connect();
    } catch (error) {
      throw new StoreUnavailableError('cannot connect to MongoDB', { cause: error });
    }
    return new MongoDocumentDatabase(client, client.db(new URL(url).pathname.slice(1) || defaultDatabase));
  }

  collection<T extends Document>(name: string): DocumentCollection<T> {
    return new MongoCollection<T>(this.db.collection<T>(name), this.stats);
  }

  async ping(): Promise<void> {
    await guard(() => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

class MongoCollection<T extends Document> implements DocumentCollection<T> {
  constructor(
    private readonly collection: Collection<T>,
    private readonly stats: StoreStats,
  ) {}

  get collectionName(): string {
    return this.collection.collectionName;
  }

  find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    return this.call(async () => {
      let cursor = this.collection.find(filter, { projection: withoutId(options.projection) });
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor.toArray()) as T[];
    });
  }

  findOne(filter: Filter<T>, options: Pick<FindOptions, 'projection' | 'sort'> = {}): Promise<T | null> {
    return this.call(async () => (await this.collection.findOne(filter, { ...options, projection: withoutId(options.projection) })) as T | null);
  }

  countDocuments(filter: Filter<T>): Promise<number> {
    return this.call(() => this.collection.countDocuments(filter));
  }

  aggregate<R extends Document = Document>(pipeline: Document[]): Promise<R[]> {
    return this.call(() => this.collection.aggregate<R>(pipeline).toArray());
  }

  async insertOne(doc: T): Promise<void> {
    await this.insertMany([doc]);
  }

  insertMany(docs: T[]): Promise<void> {
    // The driver adds _id to the objects it is given; copies keep the caller's objects as they were.
    return this.call(async () => {
      await this.collection.insertMany(docs.map((d) => ({ ...d })) as never);
    });
  }

  findOneAndUpdate(filter: Filter<T>, update: UpdateFilter<T>): Promise<T | null> {
    return this.call(async () => (await this.collection.findOneAndUpdate(filter, update, { returnDocument: 'after', projection: { _id: 0 } })) as T | null);
  }

  deleteMany(filter: Filter<T>): Promise<number> {
    return this.call(async () => (await this.collection.deleteMany(filter)).deletedCount);
  }

  createIndexes(indexes: IndexSpec[]): Promise<void> {
    return this.call(async () => {
      await this.collection.createIndexes(indexes.map((i) => ({ key: i.key, name: i.name, unique: i.unique })));
    });
  }

  private call<R>(operation: () => Promise<R>): Promise<R> {
    this.stats.roundTrips += 1;
    return guard(operation);
  }
}

/** MongoDB's own _id never leaves the store: documents are addressed by their uid. */
function withoutId(projection: Record<string, 0 | 1> | undefined): Document {
  return projection ? { ...projection, _id: 0 } : { _id: 0 };
}

async function guard<R>(operation: () => Promise<R>): Promise<R> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 11000) {
      throw new DuplicateKeyError(String((error as MongoServerError & { keyPattern?: unknown }).keyPattern ? JSON.stringify(error.keyPattern) : 'unknown'));
    }
    if (error instanceof MongoServerError) throw error;
    throw new StoreUnavailableError('MongoDB did not answer', { cause: error });
  }
}
