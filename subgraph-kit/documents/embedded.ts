import { setImmediate as nextTurn } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { Aggregator } from 'mingo';
import { update as applyUpdate } from 'mingo/updater';
import { QueryDeadlineExceededError, StoreUnavailableError } from '../store-errors';
import { observeRoundTrip, type StoreObserver, type StoreStats } from '../store-observer';
import { isOperatorCondition } from './embedded-condition';
import { cloneDocument, includedFields, projectedCopy } from './embedded-copy';
import { matcherOf, UNFILTERED, type DocumentMatcher } from './embedded-filter';
import { EqualityIndexes } from './embedded-index';
import { OrderedIndex } from './embedded-ordered-index';
import { MOVED, readInIndexOrder, type OrderedRead } from './embedded-ordered-read';
import { entriesIn, QueryPlanner } from './embedded-plan';
import { InsertionOrder } from './insertion-order';
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
  type SortSpec,
  type Update,
  type UpdateFilter,
} from './store';

/**
 * The embedded document store: MongoDB semantics (filters, sort, projection, pipelines, update operators)
 * evaluated by mingo over documents held in memory; the filters the subgraphs send are compiled once per shape
 * into predicates that answer as mingo does (embedded-filter.ts). It exists because no MongoDB server runs on
 * the machines this project is developed on; the same subgraph code runs on MongoDB through the driver.
 * Documents are copied on the way in and out (only the projected fields of a projected read), so callers can
 * never alias stored state. It keeps equality indexes on every field named by a declared index: a filter's
 * equality and $in conditions on those fields pick the candidate documents, and the whole filter is evaluated
 * over the candidates only. Each declared
 * index is also kept in order, as MongoDB keeps it: a sorted find reads the index spans its filter bounds in
 * sort order and stops once it has its page, and a count whose filter the bounds say exactly is counted from
 * the spans without looking at a document.
 *
 * A read evaluates its candidates a slice at a time and gives the event loop a turn between slices, so one
 * long scan never holds the process (its health checks, other tenants' requests) for more than a slice; and it
 * looks at its deadline (queryTimeoutMs) there, as MongoDB does at its yield points for maxTimeMS.
 */
export class EmbeddedDocumentDatabase implements DocumentDatabase {
  readonly kind = 'embedded' as const;
  readonly stats: Required<StoreStats> = { roundTrips: 0, documentsExamined: 0 };
  observe?: StoreObserver<DocumentOperation>;
  queryTimeoutMs?: number;
  private readonly collections = new Map<string, EmbeddedCollection<Document>>();
  private closed = false;

  collection<T extends Document>(name: string): DocumentCollection<T> {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new EmbeddedCollection<Document>(name, this);
      this.collections.set(name, collection);
    }
    return collection as unknown as DocumentCollection<T>;
  }

  /**
   * Every collection operation runs through here: it counts the round trip, reports it to the observer, and
   * fails once the store is closed. `work` gets the operation's deadline. A write runs synchronously, so no
   * other operation sees it half done; a read may pause between slices (scan), and sees every document as it
   * was when the read started or as a write replaced it whole, never half updated.
   */
  roundTrip<R>(operation: DocumentOperation, work: (deadline: Deadline) => R | Promise<R>): Promise<R> {
    if (this.closed) throw new StoreUnavailableError('the embedded document store is closed');
    this.stats.roundTrips += 1;
    const deadline = new Deadline(operation, this.queryTimeoutMs);
    return observeRoundTrip(this.observe, operation, async () => work(deadline));
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('the embedded document store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** How many documents a read evaluates between two turns of the event loop and two looks at its deadline. */
const SCAN_SLICE = 256;

/** When one operation must be done by: queryTimeoutMs after it started, or never without one. */
class Deadline {
  private readonly at: number;

  constructor(
    private readonly operation: DocumentOperation,
    private readonly timeoutMs: number | undefined,
  ) {
    this.at = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
  }

  /** Gives the event loop a turn, then fails with QueryDeadlineExceededError when the time is up. */
  async pause(): Promise<void> {
    await nextTurn();
    if (performance.now() > this.at) throw new QueryDeadlineExceededError(`the embedded document store stopped a ${this.operation} after ${this.timeoutMs} ms`);
  }
}

class EmbeddedCollection<T extends Document> implements DocumentCollection<T> {
  /** In insertion order, which is the order of an unsorted find. */
  private documents: T[] = [];
  private readonly indexes: IndexSpec[] = [];
  private readonly order = new InsertionOrder<T>();
  private readonly equality = new EqualityIndexes<T>(this.order);
  private readonly ordered: Array<OrderedIndex<T>> = [];
  private readonly planner = new QueryPlanner<T>(this.ordered);
  /** For each unique index, the document that holds each key: a write checks its keys here, not against every document. */
  private readonly uniqueKeys = new Map<string, { fields: string[]; holders: Map<string, T> }>();

  constructor(
    readonly collectionName: string,
    private readonly database: EmbeddedDocumentDatabase,
  ) {}

  async find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    return this.database.roundTrip('find', (deadline) => this.select(filter, options, deadline));
  }

  async findOne(filter: Filter<T>, options: Pick<FindOptions, 'projection' | 'sort'> = {}): Promise<T | null> {
    return this.database.roundTrip('findOne', async (deadline) => (await this.select(filter, { ...options, limit: 1 }, deadline))[0] ?? null);
  }

  async countDocuments(filter: Filter<T>): Promise<number> {
    return this.database.roundTrip('count', (deadline) => this.count(filter as Document, deadline));
  }

  /** The leading $match stages select the documents a slice at a time (scan); the rest of the pipeline runs over them. */
  async aggregate<R extends Document = Document>(pipeline: Document[]): Promise<R[]> {
    return this.database.roundTrip('aggregate', async (deadline) => {
      const matches = leadingMatches(pipeline);
      const selected = await this.scan(matches.length > 0 ? { $and: matches } : {}, deadline);
      return cloneDocument(runPipeline(selected, pipeline.slice(matches.length)) as R[]);
    });
  }

  async insertOne(doc: T): Promise<void> {
    await this.insertMany([doc]);
  }

  async insertMany(docs: T[]): Promise<void> {
    return this.database.roundTrip('insert', () => {
      const copies = cloneDocument(docs);
      // All or nothing: every copy is checked against the stored documents and the ones before it first.
      this.assertUnique(copies);
      this.admit(copies);
    });
  }

  async findOneAndUpdate(filter: Filter<T>, update: UpdateFilter<T>): Promise<T | null> {
    return this.database.roundTrip('update', () => {
      const query = matcherOf(filter as Document);
      const found = this.candidates(filter as Document).find((doc) => query.test(doc));
      if (!found) return null;
      const updated = cloneDocument(found);
      applyUpdate(updated, update as Document);
      this.assertUnique([updated], found);
      // Replaced in one synchronous step: a reader never sees half an update.
      this.replace(found, updated);
      return cloneDocument(updated);
    });
  }

  async deleteMany(filter: Filter<T>): Promise<number> {
    return this.database.roundTrip('delete', () => {
      const query = matcherOf(filter as Document);
      const deleted = new Set(this.candidates(filter as Document).filter((doc) => query.test(doc)));
      if (deleted.size === 0) return 0;
      this.documents = this.documents.filter((doc) => !deleted.has(doc));
      for (const doc of deleted) {
        this.equality.remove(doc);
        for (const index of this.ordered) index.remove(doc);
        this.releaseKeys(doc);
      }
      return deleted.size;
    });
  }

  /**
   * Applies the operations in order, each one to one document, synchronously: no reader sees a document half
   * updated. As MongoDB's ordered bulkWrite, the first failure stops the rest and those before it stay applied.
   */
  async bulkWrite(operations: BulkWriteOperation<T>[]): Promise<BulkWriteResult> {
    const result = { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    if (operations.length === 0) return result;
    return this.database.roundTrip('bulkWrite', () => {
      for (const { updateOne } of operations) {
        const query = matcherOf(updateOne.filter as Document);
        const found = this.candidates(updateOne.filter as Document).find((doc) => query.test(doc));
        if (found) {
          const updated = updatedCopy(found, withoutSetOnInsert(updateOne.update));
          result.matchedCount += 1;
          if (isDeepStrictEqual(updated, found)) continue;
          this.assertUnique([updated], found);
          this.replace(found, updated);
          result.modifiedCount += 1;
        } else if (updateOne.upsert) {
          const inserted = updatedCopy(equalityFieldsOf(updateOne.filter as Document) as T, withSetOnInsertApplied(updateOne.update));
          this.assertUnique([inserted]);
          this.admit([inserted]);
          result.upsertedCount += 1;
        }
      }
      return result;
    });
  }

  async createIndexes(indexes: IndexSpec[]): Promise<void> {
    return this.database.roundTrip('createIndexes', () => {
      const added = indexes.filter((index) => !this.indexes.some((existing) => existing.name === index.name));
      // MongoDB refuses to build a unique index over documents that already break it.
      for (const index of added) {
        if (!index.unique) continue;
        const fields = Object.keys(index.key);
        const holders = new Map<string, T>();
        for (const doc of this.documents) {
          const key = indexKey(doc, fields);
          if (holders.has(key)) throw new DuplicateKeyError(index.name);
          holders.set(key, doc);
        }
        this.uniqueKeys.set(index.name, { fields, holders });
      }
      this.indexes.push(...added);
      for (const index of added) for (const path of Object.keys(index.key)) this.equality.addPath(path, this.documents);
      for (const spec of added) {
        const index = new OrderedIndex<T>(spec, this.order);
        index.addAll(this.documents);
        this.ordered.push(index);
      }
      this.planner.reset();
    });
  }

  private async select(filter: Filter<T>, options: FindOptions, deadline: Deadline): Promise<T[]> {
    const inOrder = options.sort && (await this.selectInIndexOrder(filter as Document, options as FindOptions & { sort: SortSpec }, deadline));
    if (inOrder) return copiesOf(inOrder.slice(options.skip ?? 0, options.limit ? (options.skip ?? 0) + options.limit : undefined), options.projection);
    // Unsorted, the first matches in insertion order are the answer: the scan stops once it has them.
    const enough = options.sort || !options.limit ? Infinity : (options.skip ?? 0) + options.limit;
    const matched = await this.scan(filter as Document, deadline, enough);
    if (!options.sort && !options.skip && !options.limit) return copiesOf(matched, options.projection);
    let cursor = UNFILTERED.find<T>(matched);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return copiesOf(cursor.all() as T[], options.projection);
  }

  /** The first skip + limit documents of a sorted find, read in the order of the ordered index that bounds the filter best; undefined when none serves. */
  private async selectInIndexOrder(filter: Document, options: FindOptions & { sort: SortSpec }, deadline: Deadline): Promise<T[] | undefined> {
    const read: OrderedRead = {
      query: matcherOf(filter),
      sort: options.sort,
      wanted: options.limit ? (options.skip ?? 0) + options.limit : Infinity,
      stats: this.database.stats,
      pause: () => deadline.pause(),
    };
    for (;;) {
      const scan = this.planner.sortedScan(filter, options.sort);
      if (!scan || this.equalityIsNarrower(filter, scan.cost)) return undefined;
      const selected = await readInIndexOrder(scan, read);
      if (selected !== MOVED) return selected;
    }
  }

  /** Counted from an ordered index's spans when its bounds say the filter exactly; else the spans' or the equality indexes' candidates are evaluated. */
  private async count(filter: Document, deadline: Deadline): Promise<number> {
    const scan = this.planner.countScan(filter);
    if (!scan || this.equalityIsNarrower(filter, scan.cost)) return (await this.scan(filter, deadline)).length;
    const query = matcherOf(filter);
    this.database.stats.documentsExamined += scan.index.unordered.size;
    const unordered = [...scan.index.unordered].filter((doc) => query.test(doc)).length;
    if (scan.exact) return unordered + entriesIn(scan.spans);
    const candidates: T[] = [];
    for (const { start, end } of scan.spans) for (let position = start; position < end; position++) candidates.push(scan.index.entryAt(position).doc);
    this.database.stats.documentsExamined += candidates.length;
    return unordered + (await this.matching(candidates, query, deadline)).length;
  }

  /** The equality indexes leave fewer candidates than an ordered index's spans hold (an array field's value, say). */
  private equalityIsNarrower(filter: Document, cost: number): boolean {
    const estimate = this.equality.estimate(filter);
    return estimate !== undefined && estimate < cost;
  }

  /**
   * The stored documents that match a filter, in insertion order, evaluated a slice at a time with a pause
   * (a turn of the event loop, a look at the deadline) between slices; up to `enough` of them.
   */
  private async scan(filter: Document, deadline: Deadline, enough = Infinity): Promise<T[]> {
    return this.matching(this.candidates(filter), matcherOf(filter), deadline, enough);
  }

  private async matching(candidates: readonly T[], query: DocumentMatcher, deadline: Deadline, enough = Infinity): Promise<T[]> {
    const matched: T[] = [];
    for (let start = 0; start < candidates.length && matched.length < enough; start += SCAN_SLICE) {
      if (start > 0) await deadline.pause();
      const end = Math.min(start + SCAN_SLICE, candidates.length);
      for (let position = start; position < end && matched.length < enough; position++) {
        if (query.test(candidates[position])) matched.push(candidates[position]);
      }
    }
    return matched;
  }

  /**
   * What a filter is evaluated over: the documents the equality indexes allow, counted in the stats. A copy
   * when it is the whole collection, so that a scan that pauses is not handed documents inserted meanwhile.
   */
  private candidates(filter: Document): readonly T[] {
    const candidates = this.equality.candidates(filter, this.documents);
    this.database.stats.documentsExamined += candidates.length;
    return candidates === this.documents ? [...candidates] : candidates;
  }

  /** Throws DuplicateKeyError when two candidates, or a candidate and a stored document other than `replacing`, share a unique key. */
  private assertUnique(candidates: T[], replacing?: T): void {
    for (const [name, { fields, holders }] of this.uniqueKeys) {
      const seen = new Set<string>();
      for (const doc of candidates) {
        const key = indexKey(doc, fields);
        const holder = holders.get(key);
        if ((holder !== undefined && holder !== replacing) || seen.has(key)) throw new DuplicateKeyError(name);
        seen.add(key);
      }
    }
  }

  /** Stores new documents, in every index, in one synchronous step. */
  private admit(docs: T[]): void {
    for (const doc of docs) {
      this.documents.push(doc);
      this.order.add(doc);
      this.equality.add(doc);
      this.holdKeys(doc);
    }
    for (const index of this.ordered) index.addAll(docs);
  }

  /** Puts `updated` where `found` was, in the documents and every index, in one synchronous step. */
  private replace(found: T, updated: T): void {
    this.documents[this.documents.indexOf(found)] = updated;
    this.order.replace(found, updated);
    this.equality.replace(found, updated);
    for (const index of this.ordered) index.replace(found, updated);
    this.releaseKeys(found);
    this.holdKeys(updated);
  }

  private holdKeys(doc: T): void {
    for (const { fields, holders } of this.uniqueKeys.values()) holders.set(indexKey(doc, fields), doc);
  }

  private releaseKeys(doc: T): void {
    for (const { fields, holders } of this.uniqueKeys.values()) {
      const key = indexKey(doc, fields);
      if (holders.get(key) === doc) holders.delete(key);
    }
  }
}

/**
 * mingo's aggregate, less one of its costs: its `aggregate` function prepares its options twice, and the second
 * time copies every table of operators twice over, on every call.
 */
function runPipeline(docs: readonly Document[], pipeline: Document[]): Document[] {
  return new Aggregator(pipeline).run(docs as Document[]) as Document[];
}

/** A copy of the document with the update applied: update operators by mingo's updater, a pipeline by its aggregate. */
function updatedCopy<T extends Document>(doc: T, update: Update<T>): T {
  if (Array.isArray(update)) return cloneDocument(runPipeline([cloneDocument(doc)], update)[0] as T);
  const copy = cloneDocument(doc);
  applyUpdate(copy, update as Document);
  return copy;
}

/** An update of a document that exists: MongoDB ignores $setOnInsert then (mingo's updater knows no $setOnInsert). */
function withoutSetOnInsert<T extends Document>(update: Update<T>): Update<T> {
  if (Array.isArray(update) || !('$setOnInsert' in update)) return update;
  const { $setOnInsert: _ignored, ...rest } = update as Document;
  return rest as Update<T>;
}

/** An update that inserts (an upsert that matched nothing): its $setOnInsert fields are set, after the other operators, as MongoDB does. */
function withSetOnInsertApplied<T extends Document>(update: Update<T>): Update<T> {
  if (Array.isArray(update) || !('$setOnInsert' in update)) return update;
  const { $setOnInsert: onInsert, $set: set, ...rest } = update as Document;
  return { ...rest, $set: { ...(set as Document | undefined), ...(onInsert as Document) } } as Update<T>;
}

/** The document an upsert starts from, as MongoDB builds it: the filter's top-level equality conditions. */
function equalityFieldsOf(filter: Document): Document {
  const fields: Document = {};
  for (const [key, condition] of Object.entries(filter)) {
    if (key.startsWith('$')) continue;
    if (!isOperatorCondition(condition)) fields[key] = cloneDocument(condition);
    else if ('$eq' in condition) fields[key] = cloneDocument((condition as Document).$eq);
  }
  return fields;
}

/** The filters of a pipeline's leading $match stages: every document it passes on meets all of them. */
function leadingMatches(pipeline: Document[]): Document[] {
  const matches: Document[] = [];
  for (const stage of pipeline) {
    if (!stage || typeof stage !== 'object' || Object.keys(stage).length !== 1 || !('$match' in stage)) break;
    matches.push(stage.$match as Document);
  }
  return matches;
}

/** The values a unique index compares, as one string; a missing field counts as null, as in MongoDB. */
function indexKey(doc: Document, fields: string[]): string {
  return JSON.stringify(fields.map((f) => valueAt(doc, f) ?? null));
}

/**
 * Copies of documents a read returns, so that its caller never holds stored state: with a projection of top-level
 * fields, only those fields are copied; any other projection is applied by mingo, then copied.
 */
function copiesOf<T extends Document>(docs: readonly T[], projection: FindOptions['projection']): T[] {
  if (!projection || Object.keys(projection).length === 0) return docs.map(cloneDocument);
  const fields = includedFields(projection);
  if (fields) return docs.map((doc) => projectedCopy(doc, fields));
  return cloneDocument(UNFILTERED.find<T>(docs, projection as never).all() as T[]);
}

function valueAt(doc: Document, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Document | undefined)?.[key], doc);
}
