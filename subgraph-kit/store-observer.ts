/**
 * Told about each round trip to a store: which kind of operation it was (one of a small fixed set, never the
 * statement or filter itself) and how long it took, in seconds. Subgraphs feed their metrics from it.
 */
export type StoreObserver<Operation extends string> = (operation: Operation, seconds: number) => void;

export interface StoreStats {
  /** Round trips to the store since it was opened; tests read it to prove batching. */
  roundTrips: number;
  /**
   * Documents evaluated against filters, like MongoDB's explain `docsExamined`: the candidates the embedded
   * store's indexes leave for each read, update or delete. MongoDB's adapter does not count them.
   */
  documentsExamined?: number;
}

/** Runs one round trip and reports its duration to the observer, whether it succeeds or fails. */
export async function observeRoundTrip<Operation extends string, R>(observe: StoreObserver<Operation> | undefined, operation: Operation, roundTrip: () => Promise<R>): Promise<R> {
  if (!observe) return roundTrip();
  const started = process.hrtime.bigint();
  try {
    return await roundTrip();
  } finally {
    observe(operation, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
