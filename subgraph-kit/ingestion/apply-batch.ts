import { readEvent, type EventClassUid, type EventOf } from '../../lib/ingestion/event';
import { EventRejected, type Rejection } from '../../lib/ingestion/rejection';
import { StoreUnavailableError } from '../store-errors';
import type { EventWriter } from './event-writer';

/** One event as it arrived: the tenant it was delivered for (subject or signed principal) and its JSON value. */
export interface Delivered {
  tenant: string;
  value: unknown;
}

/** What became of one event: applied (or found already applied), rejected as invalid, or failed when written alone. */
export type Outcome = { status: 'applied' } | { status: 'rejected'; rejection: Rejection } | { status: 'failed'; reason: string };

/**
 * Reads each event of a batch (its class, fields and tenant) and writes the valid ones in one batched write.
 * When that write fails for a reason other than the store being unavailable, the valid events are written one
 * at a time, so that one event the store refuses fails alone and the rest are applied. StoreUnavailableError
 * passes through: nothing can be decided about any event then, and the caller holds the batch or answers 503.
 */
export async function applyBatch<C extends EventClassUid>(classUid: C, writer: EventWriter<C>, batch: Delivered[], now = Date.now()): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(batch.length);
  const valid: Array<{ index: number; event: EventOf<C> }> = [];
  batch.forEach(({ tenant, value }, index) => {
    try {
      valid.push({ index, event: readEvent(value, { tenant, classes: [classUid], now }) as EventOf<C> });
    } catch (error) {
      if (!(error instanceof EventRejected)) throw error;
      outcomes[index] = { status: 'rejected', rejection: { code: error.code, message: error.message } };
    }
  });
  if (valid.length === 0) return outcomes;
  try {
    await writer.write(valid.map(({ event }) => event));
    for (const { index } of valid) outcomes[index] = { status: 'applied' };
    return outcomes;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    if (valid.length === 1) {
      outcomes[valid[0].index] = { status: 'failed', reason: reasonOf(error) };
      return outcomes;
    }
  }
  for (const { index, event } of valid) {
    try {
      await writer.write([event]);
      outcomes[index] = { status: 'applied' };
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      outcomes[index] = { status: 'failed', reason: reasonOf(error) };
    }
  }
  return outcomes;
}

/** The store's own description of why a write failed (a constraint, a refused value): it names no host or statement. */
function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
