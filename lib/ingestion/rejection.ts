/**
 * Why an event was not taken, as a code a producer can branch on and a message a person can act on. The same
 * codes label the metrics (rejected events by class and reason) and the dead letters. Messages name the field
 * and what it must be; they never repeat a string value from the event, which may be personal data.
 */
export const RejectionCode = {
  /** The line is not a JSON object. */
  MALFORMED_JSON: 'MALFORMED_JSON',
  /** The line is longer than one event may be. */
  LINE_TOO_LARGE: 'LINE_TOO_LARGE',
  /** class_uid names a class Palisade does not take (yet). */
  UNSUPPORTED_CLASS: 'UNSUPPORTED_CLASS',
  /** A field Palisade reads is missing. */
  MISSING_FIELD: 'MISSING_FIELD',
  /** A field Palisade reads has the wrong type, format or enum value. */
  INVALID_FIELD: 'INVALID_FIELD',
  /** The event names a tenant other than the one it was delivered for (the token's, or the subject's). */
  TENANT_MISMATCH: 'TENANT_MISMATCH',
  /** The event was valid but could not be applied after the bounded number of deliveries; it is in the dead letters. */
  DEAD_LETTERED: 'DEAD_LETTERED',
} as const;
export type RejectionCode = (typeof RejectionCode)[keyof typeof RejectionCode];

export interface Rejection {
  code: RejectionCode;
  message: string;
}

/** Thrown while an event is read; the reader turns it into a Rejection for that event alone. */
export class EventRejected extends Error implements Rejection {
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventRejected';
  }
}
