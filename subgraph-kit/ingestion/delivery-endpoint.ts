import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DELIVERY_PATH_PREFIX, INGEST_SCOPE, MAX_EVENTS_PER_DELIVERY, type DeliveryResult } from '../../lib/ingestion/delivery';
import { EVENT_CLASSES, type EventClassUid } from '../../lib/ingestion/event';
import { INGEST_TENANT, consumerName } from '../../lib/ingestion/jetstream';
import { RejectionCode } from '../../lib/ingestion/rejection';
import { readBody, sendJson, type RouteHandler } from '../../lib/http-server';
import type { Logger } from '../../lib/logger';
import { PRINCIPAL_HEADER, PrincipalRejected, verifyPrincipal } from '../../lib/principal';
import { StoreUnavailableError } from '../store-errors';
import { applyBatch, type Delivered, type Outcome } from './apply-batch';
import type { DeadLetterSink } from '../../lib/ingestion/dead-letters';
import type { EventWriter } from './event-writer';
import type { IngestionMetrics } from './metrics';

export interface DeliveryEndpointOptions {
  service: string;
  writers: ReadonlyMap<EventClassUid, EventWriter<EventClassUid>>;
  principalSecret: Buffer;
  deadLetters: DeadLetterSink;
  metrics: IngestionMetrics;
  logger: Logger;
  /** Attempts at an event that fails when written alone, the first included, before it goes to the dead letters. */
  maxDeliver: number;
  /** Batches written at once, per class; more wait, up to `maxWaiting`, and beyond that are refused with 429. */
  maxInFlight?: number;
  maxWaiting?: number;
  /** Wait before each further attempt at a failed event, doubled each time (tests shorten it). */
  retryDelayMs?: number;
}

/** 1,000 events of up to 256 KiB each would be far more; the intake's own body bound is 10 MB. */
const MAX_DELIVERY_BYTES = 16 * 1024 * 1024;
const STORE_RETRY_AFTER_SECONDS = 5;
const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * The embedded path's way in: `POST /ingest/<class_uid>` from the intake, signed with the principal header
 * (the tenant comes from there, and the principal needs ingest:write). The same batch handling as the NATS
 * consumer (applyBatch), with deliveries counted here: an event that fails when written alone is tried again,
 * up to the same bound, and then written to the dead letters. The intake learns each event's result at once.
 * Writes per class are bounded; a batch that finds no room is refused with 429 rather than queued without end,
 * and the intake passes that on to the producer.
 */
export function deliveryEndpoint(options: DeliveryEndpointOptions): Record<string, RouteHandler> {
  const gates = new Map([...options.writers.keys()].map((classUid) => [classUid, new Gate(options.maxInFlight ?? 2, options.maxWaiting ?? 8)]));
  const taken = [...options.writers.keys()].map((uid) => `${uid} (${EVENT_CLASSES[uid].name})`).join(', ');

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      request.resume();
      sendJson(response, status, { error: { code, message } }, headers);
    };
    const classToken = new URL(request.url ?? '/', 'http://localhost').pathname.slice(DELIVERY_PATH_PREFIX.length);
    const classUid = Number(classToken) as EventClassUid;
    const writer = options.writers.get(classUid);
    if (!writer) return refuse(404, 'NOT_FOUND', `the ${options.service} subgraph takes events of ${taken || 'no class'} at ${DELIVERY_PATH_PREFIX}<class_uid>`);
    if (request.method !== 'POST') return refuse(405, 'METHOD_NOT_ALLOWED', 'events are delivered with POST', { allow: 'POST' });
    let tenant: string;
    try {
      const header = request.headers[PRINCIPAL_HEADER];
      const principal = verifyPrincipal(Array.isArray(header) ? header[0] : header, options.principalSecret);
      if (!principal.scopes.includes(INGEST_SCOPE)) return refuse(403, 'FORBIDDEN', `the principal lacks the scope ${INGEST_SCOPE}`);
      tenant = principal.tenant;
    } catch (error) {
      if (error instanceof PrincipalRejected) return refuse(401, 'UNAUTHENTICATED', error.message);
      throw error;
    }
    if (!INGEST_TENANT.test(tenant)) return refuse(400, 'BAD_REQUEST', 'the tenant is not one events can be taken for: letters, digits, _ and - only');
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json: {"events": [...]}');
    const body = await readBody(request, MAX_DELIVERY_BYTES);
    if (body === 'too large') return refuse(413, 'PAYLOAD_TOO_LARGE', `a delivery holds at most ${MAX_DELIVERY_BYTES} bytes`);
    let events: unknown;
    try {
      events = (JSON.parse(body.toString('utf8')) as { events?: unknown }).events;
    } catch {
      return refuse(400, 'BAD_REQUEST', 'the body is not JSON');
    }
    if (!Array.isArray(events) || events.length > MAX_EVENTS_PER_DELIVERY) {
      return refuse(400, 'BAD_REQUEST', `the body must be {"events": [...]} with at most ${MAX_EVENTS_PER_DELIVERY} events`);
    }

    const gate = gates.get(classUid)!;
    const turn = gate.enter();
    if (!turn) {
      return refuse(429, 'BUSY', `the ${options.service} subgraph is writing as many batches as it takes; send again after ${BUSY_RETRY_AFTER_SECONDS} s`, { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) });
    }
    try {
      await turn;
      const results = await deliver(classUid, writer, tenant, events);
      sendJson(response, 200, { results });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      options.metrics.storeUnavailable.inc({ class: String(classUid) });
      options.logger.warn({ err: error, class: classUid }, 'the store is unavailable; the delivery was refused with 503');
      sendJson(
        response,
        503,
        { error: { code: 'STORE_UNAVAILABLE', message: `the ${options.service} store is unavailable; send the events again after ${STORE_RETRY_AFTER_SECONDS} s (events applied before are not applied twice)` } },
        { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
      );
    } finally {
      gate.leave();
    }
  }

  /** applyBatch, then further attempts at the events that failed, then the dead letters for those that still fail. */
  async function deliver(classUid: EventClassUid, writer: EventWriter<EventClassUid>, tenant: string, events: unknown[]): Promise<DeliveryResult[]> {
    const label = String(classUid);
    const started = performance.now();
    const batch: Delivered[] = events.map((value) => ({ tenant, value }));
    const outcomes: Outcome[] = await applyBatch(classUid, writer, batch);
    for (let attempt = 2; attempt <= options.maxDeliver; attempt += 1) {
      const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'failed' ? [index] : []));
      if (failed.length === 0) break;
      options.metrics.events.inc({ class: label, outcome: 'retried' }, failed.length);
      await sleep((options.retryDelayMs ?? 100) * 2 ** (attempt - 2));
      const again = await applyBatch(classUid, writer, failed.map((index) => batch[index]));
      failed.forEach((index, n) => (outcomes[index] = again[n]));
    }
    const results = await Promise.all(
      outcomes.map(async (outcome, index): Promise<DeliveryResult> => {
        if (outcome.status === 'applied') {
          options.metrics.events.inc({ class: label, outcome: 'applied' });
          return { status: 'applied' };
        }
        if (outcome.status === 'rejected') {
          options.metrics.events.inc({ class: label, outcome: 'rejected' });
          return { status: 'rejected', ...outcome.rejection };
        }
        const reason = `failed ${options.maxDeliver} times: ${outcome.reason}`;
        await options.deadLetters.write({
          classUid,
          tenant,
          code: RejectionCode.DEAD_LETTERED,
          reason,
          deliveries: options.maxDeliver,
          consumer: consumerName(options.service, classUid),
          id: `${tenant}:${classUid}:${index}:${Date.now()}`,
          data: Buffer.from(JSON.stringify(events[index])),
        });
        options.metrics.deadLetters.inc({ class: label, code: RejectionCode.DEAD_LETTERED });
        options.metrics.events.inc({ class: label, outcome: 'dead_lettered' });
        options.logger.warn({ class: classUid, tenant, deliveries: options.maxDeliver }, 'event moved to the dead letters');
        return { status: 'rejected', code: RejectionCode.DEAD_LETTERED, message: `${reason}; it is kept in the dead letters, where an operator can read and replay it` };
      }),
    );
    options.metrics.batchDuration.observe({ class: label }, (performance.now() - started) / 1000);
    return results;
  }

  return Object.fromEntries([...options.writers.keys()].map((classUid) => [`${DELIVERY_PATH_PREFIX}${classUid}`, handle]));
}

/** At most `maxInFlight` holders at once and `maxWaiting` waiting for a turn; a caller beyond that is turned away. */
class Gate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxInFlight: number,
    private readonly maxWaiting: number,
  ) {}

  /** A turn (resolved now, or when a holder leaves), or undefined when no one more may wait. Each turn ends with leave(). */
  enter(): Promise<void> | undefined {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }
}
