/**
 * A change committed by a subgraph, announced to the gateway so that subscribers of the subscription field it
 * feeds hear of it. It names what changed, never the data: the gateway resolves each subscriber's selection
 * through the ordinary federated execution, with the subscriber's principal, by asking the owning subgraph for
 * the event (`Query.<field>Event(id:)`).
 */
export interface ChangeEvent {
  /** Unique and stable: deduplicates redeliveries, resumes a stream (Last-Event-ID), names the event to look up. */
  id: string;
  /** The subscription field it feeds: `incidentChanged` for `Subscription.incidentChanged`. */
  field: string;
  /** The tenant the change belongs to: only that tenant's subscribers hear of it. */
  tenant: string;
  /** The changed entity's key; the events of one entity carry increasing sequences and arrive in that order. */
  entity: string;
  sequence: number;
  /** When the change was committed, ISO 8601. */
  at: string;
}

/** A ChangeEvent read from the wire, or undefined when it is not one (it is then dropped and counted). */
export function parseChangeEvent(value: unknown): ChangeEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, field, tenant, entity, sequence, at } = value as Record<string, unknown>;
  const text = (item: unknown): item is string => typeof item === 'string' && item !== '' && item.length <= 256;
  if (!text(id) || !text(field) || !text(tenant) || !text(entity) || !text(at)) return undefined;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) return undefined;
  return { id, field, tenant, entity, sequence, at };
}

/** Publishes the changes a subgraph committed. At least once: a receiver deduplicates by id. */
export interface ChangePublisher {
  publish(event: ChangeEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where the gateway hears of changes: every change of every tenant from the time it subscribed, in order per
 * entity, at least once (deduplicate by id). Replay for resuming clients is the gateway's own, from what it heard.
 */
export interface ChangeSource {
  subscribe(onEvent: (event: ChangeEvent) => void): Promise<void>;
  close(): Promise<void>;
}
