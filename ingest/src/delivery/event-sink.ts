import type { Readiness } from '../../../lib/http-server';
import type { EventClassUid } from '../../../lib/ingestion/event';
import type { Rejection } from '../../../lib/ingestion/rejection';
import type { Principal } from '../../../lib/principal';

/** An event the intake read and found valid, with what it was sent as. */
export interface ValidEvent {
  classUid: EventClassUid;
  eventId: string;
  /** The line as it was sent. */
  text: string;
  value: unknown;
}

/** What became of one valid event: taken (published, or applied on the embedded path), or refused after all. */
export type SinkResult = { status: 'accepted' } | ({ status: 'rejected' } & Rejection);

/**
 * Nothing could be decided for the request: the stream is full or a subgraph is busy (429), or NATS or a
 * subgraph is unavailable (503). What was taken before stays taken; the producer sends the whole batch again
 * after `retryAfterSeconds`, and what was taken already is not applied twice.
 */
export class DeliveryRefused extends Error {
  constructor(
    readonly status: 429 | 503,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'DeliveryRefused';
  }
}

/** Where the intake hands the valid events of a request: NATS JetStream, or the consuming subgraphs (embedded). */
export interface EventSink {
  /** One result per event, in order, for one tenant's events; throws DeliveryRefused when nothing can be decided. */
  accept(sender: Principal, events: ValidEvent[]): Promise<SinkResult[]>;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}
