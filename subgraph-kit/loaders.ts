import DataLoader from 'dataloader';
import type { Page } from './connection';
import { observedBatch, type SubgraphMetrics } from './metrics';

/** A DataLoader batch result, one value per key in key order: the row whose key is each key, or null for a key without one. */
export function oneForEachKey<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): Array<T | null> {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key) ?? null);
}

/** A DataLoader batch result: the rows of each key, in the order the rows came, without the key column; an empty list for a key without rows. */
export function allForEachKey<K, T extends object, C extends keyof T>(keys: readonly K[], rows: T[], keyColumn: C): Array<Array<Omit<T, C>>> {
  const byKey = new Map<unknown, Array<Omit<T, C>>>(keys.map((key) => [key, []]));
  for (const row of rows) {
    const { [keyColumn]: key, ...rest } = row;
    byKey.get(key)?.push(rest);
  }
  return keys.map((key) => byKey.get(key) ?? []);
}

/** Loads one parent's page of a list (a user's incidents, a group's members) for one page request. */
export type PageLoader<TQuery, TRow> = (parentUid: string, query: TQuery) => Promise<Page<TRow>>;

/**
 * A page loader for one request: parents asked for with equal page requests (equal as JSON) in one tick share
 * one batch, which `loadPages` answers with one query; a parent it leaves out has an empty page. Batch sizes
 * are recorded under `name`, a fixed loader name.
 */
export function createPageLoader<TQuery, TRow>(
  name: string,
  metrics: SubgraphMetrics | undefined,
  loadPages: (parentUids: readonly string[], query: TQuery) => Promise<Map<string, Page<TRow>>>,
): PageLoader<TQuery, TRow> {
  const loaders = new Map<string, DataLoader<string, Page<TRow>>>();
  return (parentUid, query) => {
    const key = JSON.stringify(query);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(
        observedBatch(name, metrics, async (parentUids) => {
          const pages = await loadPages(parentUids, query);
          return parentUids.map((uid) => pages.get(uid) ?? { rows: [], totalCount: 0 });
        }),
      );
      loaders.set(key, loader);
    }
    return loader.load(parentUid);
  };
}
