/** DataLoader batch results: one value per key, in key order. */

/** The row whose key is each key, or null for a key without one. */
export function oneForEachKey<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): Array<T | null> {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key) ?? null);
}

/** The rows of each key, in the order the rows came, without the key column; an empty list for a key without rows. */
export function allForEachKey<K, T extends object, C extends keyof T>(keys: readonly K[], rows: T[], keyColumn: C): Array<Array<Omit<T, C>>> {
  const byKey = new Map<unknown, Array<Omit<T, C>>>(keys.map((key) => [key, []]));
  for (const row of rows) {
    const { [keyColumn]: key, ...rest } = row;
    byKey.get(key)?.push(rest);
  }
  return keys.map((key) => byKey.get(key) ?? []);
}
