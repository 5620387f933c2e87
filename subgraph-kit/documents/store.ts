import type { Document, Filter, UpdateFilter } from 'mongodb';
import type { StoreObserver, StoreStats } from '../store-observer';

export type { Document, Filter, UpdateFilter };

export type SortSpec = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  /** Inclusion projection (field: 1); only what a resolver needs crosses the wire. */
  projection?: Record<string, 0 | 1>;
}

export interface IndexSpec {
  key: Record<string, 1 | -1>;
  name: string;
  unique?: boolean;
}

/**
 * An update as MongoDB takes it: update operators (`$set`, `$push`...) or an aggregation pipeline of `$set` and
 * `$unset` stages (MongoDB 4.2+), whose expressions can read the document's current values.
 */
export type Update<T extends Document> = UpdateFilter<T> | Document[];

/** One operation of a bulk write; only updateOne, with or without upsert, is used. */
export interface BulkWriteOperation<T extends Document> {
  updateOne: { filter: Filter<T>; update: Update<T>; upsert?: boolean };
}

export interface BulkWriteResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

/**
 * The part of the MongoDB driver's Collection API that the subgraphs use. Both stores implement it:
 * the official driver against a MongoDB server, and the embedded store that evaluates the same filters,
 * pipelines and update operators in process. Every call is one round trip to the store.
 */
export interface DocumentCollection<T extends Document> {
  readonly collectionName: string;
  find(filter: Filter<T>, options?: FindOptions): Promise<T[]>;
  findOne(filter: Filter<T>, options?: Pick<FindOptions, 'projection' | 'sort'>): Promise<T | null>;
  countDocuments(filter: Filter<T>): Promise<number>;
  aggregate<R extends Document = Document>(pipeline: Document[]): Promise<R[]>;
  insertOne(doc: T): Promise<void>;
  insertMany(docs: T[]): Promise<void>;
  /** Applies the update to one matching document atomically and returns it as it is after the update. */
  findOneAndUpdate(filter: Filter<T>, update: UpdateFilter<T>): Promise<T | null>;
  deleteMany(filter: Filter<T>): Promise<number>;
  /**
   * MongoDB's ordered bulkWrite, in one round trip: the operations apply in order, each atomically to its one
   * document (an upsert inserts one built from the filter's equality fields, and $setOnInsert's, when none matches). At the first
   * failure the rest are not applied, the ones before it stay, and the failure is thrown (DuplicateKeyError for a
   * unique index). No operations, no round trip.
   */
  bulkWrite(operations: BulkWriteOperation<T>[]): Promise<BulkWriteResult>;
  createIndexes(indexes: IndexSpec[]): Promise<void>;
}

/** The kinds of round trip a document store reports to its observer: insertOne and insertMany are both `insert`. */
export type DocumentOperation = 'find' | 'findOne' | 'count' | 'aggregate' | 'insert' | 'update' | 'delete' | 'bulkWrite' | 'createIndexes';

export interface DocumentDatabase {
  readonly kind: 'mongodb' | 'embedded';
  readonly stats: StoreStats;
  /** Told about every round trip that stats counts; set by the service that owns the store (its metrics). */
  observe?: StoreObserver<DocumentOperation>;
  /**
   * The most one query may take, in milliseconds (MongoDB's maxTimeMS, the embedded store's budget for a scan);
   * past it the query fails with QueryDeadlineExceededError. Set by the service that owns the store; unset, a
   * query has no deadline.
   */
  queryTimeoutMs?: number;
  collection<T extends Document>(name: string): DocumentCollection<T>;
  /** Resolves when the store answers; rejects with StoreUnavailableError when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Raised for a write that would break a unique index, by either store (MongoDB's E11000). */
export class DuplicateKeyError extends Error {
  constructor(readonly index: string) {
    super(`duplicate key for unique index ${index}`);
    this.name = 'DuplicateKeyError';
  }
}
