import type { Rejection } from './rejection';

/** The scope a token needs to send events to the intake; the intake passes it on in the principal it signs. */
export const INGEST_SCOPE = 'ingest:write';

/**
 * The embedded path (no NATS_URL): the intake hands a subgraph the events of one class for one tenant with
 * `POST /ingest/<class_uid>`, signed with the principal header as the gateway signs it (the tenant comes from
 * there), body {"events": [<OCSF event>, ...]}. The subgraph answers one result per event, in order; or 429
 * (busy) or 503 (its store is unavailable) with Retry-After, having applied nothing it did not report.
 */
export const DELIVERY_PATH_PREFIX = '/ingest/';

/** The most events one delivery carries; the intake's INGEST_MAX_EVENTS may not exceed it on the embedded path, so one request is one delivery per class. */
export const MAX_EVENTS_PER_DELIVERY = 1000;

export interface DeliveryRequest {
  events: unknown[];
}

/** `applied` also when the event changed nothing (an older or repeated one); `rejected` for an invalid event or a dead letter. */
export type DeliveryResult = { status: 'applied' } | ({ status: 'rejected' } & Rejection);

export interface DeliveryResponse {
  results: DeliveryResult[];
}
