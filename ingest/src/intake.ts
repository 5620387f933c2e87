import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditSink } from '../../lib/audit-sink';
import { withAgreedScopes } from '../../lib/authentication/agreed-scopes';
import { AuthenticationError, SigningKeysUnavailableError, type Authenticator } from '../../lib/authentication/authenticator';
import { bearerChallenge } from '../../lib/authentication/challenge';
import { readBody, sendJson } from '../../lib/http-server';
import { INGEST_SCOPE } from '../../lib/ingestion/delivery';
import { classUidOf, readEvent, type EventClassUid } from '../../lib/ingestion/event';
import { INGEST_TENANT } from '../../lib/ingestion/jetstream';
import { EventRejected, RejectionCode, type Rejection } from '../../lib/ingestion/rejection';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import { DeliveryRefused, type EventSink, type ValidEvent } from './delivery/event-sink';
import { IntakeMetrics } from './metrics';
import { assertNdjson, BodyRefused, decodeBody, MAX_LINE_BYTES, splitLines } from './ndjson';

export interface IntakeOptions {
  authenticator: Authenticator;
  partnerWriteClients: ReadonlySet<string>;
  classes: readonly EventClassUid[];
  sink: EventSink;
  metrics: IntakeMetrics;
  audit: AuditSink;
  logger: Logger;
  maxBodyBytes: number;
  maxEvents: number;
  maxInFlight: number;
}

/** A line the intake did not take, and why: what the answer lists for the producer. */
export interface RejectedLine extends Rejection {
  line: number;
}

/** The answer to a request that was read line by line. */
export interface IntakeAnswer {
  accepted: number;
  rejected: RejectedLine[];
}

/** One line per request on AUDIT_LOG: who ingested how much into which tenant. Never an event, a token or a header. */
export interface IntakeAuditRecord {
  time: string;
  requestId: string;
  sub: string | null;
  clientId: string | null;
  kind: Principal['kind'] | null;
  tenant: string | null;
  /** The HTTP status answered. */
  status: number;
  /** The code of a refused request (UNAUTHENTICATED, BACKPRESSURE...), null when it was read line by line. */
  errorCode: string | null;
  accepted: number;
  rejected: number;
  /** Per class uid ("other" for an unknown or missing class). */
  byClass: Record<string, { accepted: number; rejected: number }>;
  bytes: number;
  durationMs: number;
}

const KEYS_RETRY_AFTER_SECONDS = 5;
const BUSY_RETRY_AFTER_SECONDS = 1;

/** An answer that refuses the whole request. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * POST /v1/events: newline-delimited OCSF events (optionally gzip), for the tenant of the bearer token, which
 * needs the scope ingest:write and is verified exactly as the gateway verifies tokens. Every line is read on its
 * own: an invalid one is listed with its line number and reason and the rest go on; the valid ones are handed to
 * the sink in one batch. The answer counts what was accepted. A request as a whole is refused with a code and a
 * message when it cannot be read (400, 413, 415), is not allowed (401, 403), or cannot be taken now (429, 503,
 * with Retry-After).
 */
export function createIntake(options: IntakeOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  let inFlight = 0;

  return async (request, response) => {
    const started = performance.now();
    const requestId = randomUUID();
    const audit: IntakeAuditRecord = { time: new Date().toISOString(), requestId, sub: null, clientId: null, kind: null, tenant: null, status: 0, errorCode: null, accepted: 0, rejected: 0, byClass: {}, bytes: 0, durationMs: 0 };
    let admitted = false;
    try {
      if (request.method !== 'POST') throw new Refusal(405, 'METHOD_NOT_ALLOWED', 'events are sent with POST', { allow: 'POST' });
      const principal = await authenticate(request.headers.authorization);
      Object.assign(audit, { sub: principal.sub, clientId: principal.clientId ?? null, kind: principal.kind, tenant: principal.tenant });
      if (inFlight >= options.maxInFlight) {
        throw new Refusal(429, 'BUSY', `the intake is processing as many requests as it takes; send again after ${BUSY_RETRY_AFTER_SECONDS} s`, { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) });
      }
      inFlight += 1;
      admitted = true;
      const answer = await ingest(request, principal, audit);
      finish(200, answer);
    } catch (error) {
      request.resume();
      const refusal = refusalOf(error);
      audit.errorCode = refusal.code;
      finish(refusal.status, { error: { code: refusal.code, message: refusal.message } }, refusal.headers);
    } finally {
      if (admitted) inFlight -= 1;
    }

    function finish(status: number, body: unknown, headers: Record<string, string> = {}): void {
      sendJson(response, status, body, { ...headers, 'x-request-id': requestId });
      const outcome = status === 200 ? 'processed' : String(status);
      options.metrics.requests.inc({ outcome });
      options.metrics.requestDuration.observe({ outcome }, (performance.now() - started) / 1000);
      options.audit(JSON.stringify({ ...audit, status, durationMs: Math.round(performance.now() - started) }));
    }
  };

  async function authenticate(header: string | undefined): Promise<Principal> {
    let principal: Principal;
    try {
      principal = withAgreedScopes((await options.authenticator.authenticate(header)).principal, options.partnerWriteClients);
    } catch (error) {
      if (error instanceof SigningKeysUnavailableError) throw new Refusal(503, 'SERVICE_UNAVAILABLE', error.reason, { 'retry-after': String(KEYS_RETRY_AFTER_SECONDS) });
      if (error instanceof AuthenticationError) {
        throw new Refusal(401, 'UNAUTHENTICATED', error.reason, { 'www-authenticate': bearerChallenge(error.reason, header) });
      }
      throw error;
    }
    if (!principal.scopes.includes(INGEST_SCOPE)) {
      throw new Refusal(403, 'FORBIDDEN', `the token lacks the scope ${INGEST_SCOPE}, which sending events needs`, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${INGEST_SCOPE}"` });
    }
    if (!INGEST_TENANT.test(principal.tenant)) {
      throw new Refusal(403, 'FORBIDDEN', "the token's tenant is not one events can be taken for: letters, digits, _ and - only, at most 63");
    }
    return principal;
  }

  async function ingest(request: IncomingMessage, principal: Principal, audit: IntakeAuditRecord): Promise<IntakeAnswer> {
    assertNdjson(request.headers['content-type'], request.headers['content-encoding']);
    const body = await readBody(request, options.maxBodyBytes);
    if (body === 'too large') throw new BodyRefused(413, 'PAYLOAD_TOO_LARGE', `a request holds at most ${options.maxBodyBytes} bytes; send fewer events per request`);
    audit.bytes = body.length;
    const lines = splitLines(await decodeBody(body, request.headers['content-encoding'], options.maxBodyBytes), options.maxEvents);

    const rejected: Array<RejectedLine & { classUid: number | undefined }> = [];
    const valid: Array<ValidEvent & { line: number }> = [];
    for (const { line, text } of lines) {
      let value: unknown;
      try {
        if (Buffer.byteLength(text) > MAX_LINE_BYTES) throw new EventRejected(RejectionCode.LINE_TOO_LARGE, `the line holds more than ${MAX_LINE_BYTES} bytes; one event is smaller`);
        value = parseJson(text);
        const event = readEvent(value, { tenant: principal.tenant, classes: options.classes });
        valid.push({ line, classUid: event.classUid, eventId: event.eventId, text, value });
      } catch (error) {
        if (!(error instanceof EventRejected)) throw error;
        rejected.push({ line, classUid: classUidOf(value), code: error.code, message: error.message });
      }
    }

    const results = valid.length > 0 ? await options.sink.accept(principal, valid) : [];
    results.forEach((result, index) => {
      if (result.status === 'rejected') rejected.push({ line: valid[index].line, classUid: valid[index].classUid, code: result.code, message: result.message });
    });
    rejected.sort((a, b) => a.line - b.line);
    const accepted = valid.filter((_, index) => results[index].status === 'accepted');
    for (const event of accepted) count(audit, IntakeMetrics.classLabel(event.classUid), 'accepted');
    for (const line of rejected) count(audit, IntakeMetrics.classLabel(line.classUid), 'rejected', line.code);
    audit.accepted = accepted.length;
    audit.rejected = rejected.length;
    return { accepted: accepted.length, rejected: rejected.map(({ line, code, message }) => ({ line, code, message })) };
  }

  function count(audit: IntakeAuditRecord, label: string, outcome: 'accepted' | 'rejected', reason = ''): void {
    options.metrics.events.inc({ class: label, outcome, reason });
    audit.byClass[label] ??= { accepted: 0, rejected: 0 };
    audit.byClass[label][outcome] += 1;
  }

  function refusalOf(error: unknown): Refusal {
    if (error instanceof Refusal) return error;
    if (error instanceof BodyRefused) return new Refusal(error.status, error.code, error.message);
    if (error instanceof DeliveryRefused) return new Refusal(error.status, error.code, error.message, { 'retry-after': String(error.retryAfterSeconds) });
    options.logger.error({ err: error }, 'unexpected error while taking events');
    return new Refusal(500, 'INTERNAL_SERVER_ERROR', 'the events could not be taken because of an error in the intake; it is logged, send the batch again later');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EventRejected(RejectionCode.MALFORMED_JSON, 'the line is not JSON: each line holds one OCSF event as a JSON object');
  }
}
