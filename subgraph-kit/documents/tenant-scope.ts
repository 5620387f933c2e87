import type { BulkWriteOperation, BulkWriteResult, Document, DocumentCollection, Filter, FindOptions, Update, UpdateFilter } from './store';

/** Documents that belong to a tenant. Every document in Palisade's stores carries one. */
export interface TenantDocument extends Document {
  tenant: string;
}

/** Pipeline stages that read or write other collections, where the tenant filter could not follow. */
const STAGES_THAT_ESCAPE = ['$lookup', '$graphLookup', '$unionWith', '$out', '$merge'];

/**
 * The one tenant filter that every document query and pipeline passes through. Repositories receive a
 * TenantScopedCollection, never a raw collection, so the tenant comes from the verified principal only:
 * a `tenant` in a caller's filter or document is overwritten, never trusted.
 */
export class TenantScopedCollection<T extends TenantDocument> {
  constructor(
    private readonly collection: DocumentCollection<T>,
    readonly tenant: string,
  ) {
    if (!tenant) throw new Error('a tenant-scoped collection needs a tenant');
  }

  find(filter: Filter<T>, options?: FindOptions): Promise<T[]> {
    return this.collection.find(this.scope(filter), options);
  }

  findOne(filter: Filter<T>, options?: Pick<FindOptions, 'projection' | 'sort'>): Promise<T | null> {
    return this.collection.findOne(this.scope(filter), options);
  }

  countDocuments(filter: Filter<T>): Promise<number> {
    return this.collection.countDocuments(this.scope(filter));
  }

  aggregate<R extends Document = Document>(pipeline: Document[]): Promise<R[]> {
    assertStaysInCollection(pipeline);
    return this.collection.aggregate<R>([{ $match: { tenant: this.tenant } }, ...pipeline]);
  }

  insertOne(doc: Omit<T, 'tenant'>): Promise<void> {
    return this.collection.insertOne({ ...doc, tenant: this.tenant } as T);
  }

  findOneAndUpdate(filter: Filter<T>, update: UpdateFilter<T>): Promise<T | null> {
    assertKeepsTenant(update);
    return this.collection.findOneAndUpdate(this.scope(filter), update);
  }

  private scope(filter: Filter<T>): Filter<T> {
    return { ...filter, tenant: this.tenant } as Filter<T>;
  }
}

/**
 * One find for any number of tenants (the events of one batch may belong to several), each tenant's filter
 * confined to that tenant as TenantScopedCollection confines a request: a tenant in a given filter is
 * overwritten. No filters, no round trip.
 */
export function findForTenants<T extends TenantDocument>(collection: DocumentCollection<T>, filters: ReadonlyMap<string, Filter<T>>, options?: FindOptions): Promise<T[]> {
  const scoped = [...filters].map(([tenant, filter]) => {
    if (!tenant) throw new Error('a tenant-scoped find needs a tenant');
    return { ...filter, tenant };
  });
  if (scoped.length === 0) return Promise.resolve([]);
  return collection.find((scoped.length === 1 ? scoped[0] : { $or: scoped }) as Filter<T>, options);
}

/**
 * Writes for any number of tenants, sent in one bulk write (one round trip): the events of one batch may belong
 * to several tenants. Each operation is confined to the tenant it is added for, as TenantScopedCollection
 * confines a request: its filter carries that tenant (a tenant in the given filter is overwritten), and its
 * update may not write the tenant field. Used by writers that take the tenant from an event's envelope.
 */
export class TenantScopedBulkWrite<T extends TenantDocument> {
  private readonly operations: BulkWriteOperation<T>[] = [];

  constructor(private readonly collection: DocumentCollection<T>) {}

  /** Adds an updateOne of the tenant's one document matching the filter; with upsert, inserted under that tenant. */
  updateOne(tenant: string, filter: Filter<T>, update: Update<T>, options: { upsert?: boolean } = {}): this {
    if (!tenant) throw new Error('a tenant-scoped write needs a tenant');
    if (Array.isArray(update)) assertPipelineKeepsTenant(update);
    else assertKeepsTenant(update);
    this.operations.push({ updateOne: { filter: { ...filter, tenant } as Filter<T>, update, upsert: options.upsert } });
    return this;
  }

  get size(): number {
    return this.operations.length;
  }

  /** Sends the operations added so far, in order, in one round trip (none when there are none). */
  execute(): Promise<BulkWriteResult> {
    return this.collection.bulkWrite(this.operations);
  }
}

/**
 * An update may not write the tenant field: not by naming it under an operator ($set, $unset, $rename from
 * it), nor by renaming another field onto it. A single update refuses pipeline-style updates as a whole, since their
 * stages compute fields this check cannot see; a bulk write's pipelines are checked by assertPipelineKeepsTenant.
 */
function assertKeepsTenant(update: object): void {
  if (Array.isArray(update)) throw new Error('pipeline-style updates are not allowed through the tenant filter');
  for (const [operator, body] of Object.entries(update as Document)) {
    if (!body || typeof body !== 'object') continue;
    const writesTenant = Object.keys(body).some(isTenantPath) || (operator === '$rename' && Object.values(body).some((to) => typeof to === 'string' && isTenantPath(to)));
    if (writesTenant) throw new Error('an update may not change the tenant of a document');
  }
}

/**
 * A pipeline-style update keeps the tenant when it is made of $set (or $addFields) and $unset stages only, none
 * of which names the tenant field; other stages ($project, $replaceWith, $replaceRoot) rebuild the document and
 * are refused, since which fields survive them is computed.
 */
function assertPipelineKeepsTenant(pipeline: Document[]): void {
  for (const stage of pipeline) {
    const [name, body, ...more] = Object.entries(stage).flat();
    if (more.length > 0) throw new Error('each stage of a pipeline-style update has one operator');
    if (name === '$set' || name === '$addFields') {
      if (Object.keys(body as Document).some(isTenantPath)) throw new Error('an update may not change the tenant of a document');
    } else if (name === '$unset') {
      if ((Array.isArray(body) ? body : [body]).some((path) => typeof path !== 'string' || isTenantPath(path))) throw new Error('an update may not change the tenant of a document');
    } else {
      throw new Error(`pipeline stage ${String(name)} is not allowed in an update through the tenant filter: use $set and $unset`);
    }
  }
}

function isTenantPath(path: string): boolean {
  return path === 'tenant' || path.startsWith('tenant.');
}

function assertStaysInCollection(pipeline: Document[]): void {
  for (const stage of pipeline) {
    for (const [name, body] of Object.entries(stage)) {
      if (STAGES_THAT_ESCAPE.includes(name)) throw new Error(`pipeline stage ${name} would bypass the tenant filter`);
      if (name === '$facet') for (const sub of Object.values(body as Record<string, Document[]>)) assertStaysInCollection(sub);
    }
  }
}
