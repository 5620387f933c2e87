import type { Document, DocumentCollection, Filter, FindOptions, UpdateFilter } from './store';

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
 * An update may not write the tenant field: not by naming it under an operator ($set, $unset, $rename from
 * it), nor by renaming another field onto it. Pipeline-style updates are refused as a whole, since their
 * stages compute fields this check cannot see.
 */
function assertKeepsTenant(update: object): void {
  if (Array.isArray(update)) throw new Error('pipeline-style updates are not allowed through the tenant filter');
  for (const [operator, body] of Object.entries(update as Document)) {
    if (!body || typeof body !== 'object') continue;
    const writesTenant = Object.keys(body).some(isTenantPath) || (operator === '$rename' && Object.values(body).some((to) => typeof to === 'string' && isTenantPath(to)));
    if (writesTenant) throw new Error('an update may not change the tenant of a document');
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
