import type { Environment } from '../../lib/config';
import type { EventClassUid, EventOf } from '../../lib/ingestion/event';

/**
 * What a subgraph does with the events of one class it consumes: apply a batch of valid events, of any tenants,
 * in one batched write (one round trip to the store, or one transaction per tenant), idempotently and with the
 * newest state winning per entity, each entity changed atomically. It throws StoreUnavailableError when the
 * store cannot be reached (the batch is held and tried again); any other failure makes the batch be applied
 * event by event, to find the events that fail on their own.
 */
export interface EventWriter<C extends EventClassUid> {
  write(events: EventOf<C>[]): Promise<void>;
}

/** One class a subgraph consumes, and how to make its writer over the subgraph's store. */
export interface EventConsumerDefinition<TStore, C extends EventClassUid = EventClassUid, TSettings = unknown> {
  classUid: C;
  /**
   * The writer's own settings, read from the environment when the service reads its configuration (a bad value
   * is a ConfigError naming the variable, before anything starts); called with an empty environment for the
   * defaults when a service is built without one (tests).
   */
  readSettings?(env: Environment): TSettings;
  createWriter(store: TStore, settings: TSettings): EventWriter<C>;
}

/** A consumer of any one class: a subgraph's list of consumers holds several classes. */
export type AnyEventConsumer<TStore> = { [C in EventClassUid]: EventConsumerDefinition<TStore, C> }[EventClassUid];

/**
 * The version of an entity's state that an event carries, as a string that sorts as versions compare: first
 * `rank` (a source that outranks another, such as an inventory over a scanner's view of a device), then the
 * event's time, then its id, so that two events of one time still have one winner whatever the order they
 * arrive in. A write applies an event to an entity only when its version is above the stored one: a replay
 * (equal) and an older event (lower) change nothing.
 */
export function stateVersion(event: { time: number; eventId: string }, rank = 0): string {
  return `${rank}:${String(event.time).padStart(15, '0')}:${event.eventId}`;
}
