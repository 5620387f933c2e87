import type { Readiness } from '../../../lib/http-server';
import { DELIVERY_PATH_PREFIX, INGEST_SCOPE, type DeliveryResponse } from '../../../lib/ingestion/delivery';
import { EVENT_CLASSES, type EventClassUid } from '../../../lib/ingestion/event';
import type { Logger } from '../../../lib/logger';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../../../lib/principal';
import { DeliveryRefused, type EventSink, type SinkResult, type ValidEvent } from './event-sink';

/** A batch written and answered well within this; a subgraph that takes longer is treated as unavailable. */
const DELIVERY_TIMEOUT_MS = 30_000;
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The embedded default (no NATS_URL): the same path with no extra service. Each class's events go to the
 * subgraph that consumes it, `POST /ingest/<class_uid>`, signed with the principal header as the gateway signs
 * it (the tenant from the verified token, the scope ingest:write). The subgraph reads, writes in one batch,
 * retries and dead-letters as its NATS consumer would, and answers each event's result, so the producer learns
 * at once what was applied. A busy subgraph (429) or one whose store is down (503) makes the request 429 or 503.
 */
export class HttpSink implements EventSink {
  constructor(
    private readonly subgraphUrls: Readonly<Record<string, string>>,
    private readonly principalSecret: Buffer,
    private readonly logger: Logger,
  ) {}

  async accept(sender: Principal, events: ValidEvent[]): Promise<SinkResult[]> {
    const results: SinkResult[] = new Array(events.length);
    const byClass = new Map<EventClassUid, number[]>();
    for (const [index, event] of events.entries()) {
      const indexes = byClass.get(event.classUid);
      if (indexes) indexes.push(index);
      else byClass.set(event.classUid, [index]);
    }
    const deliveries = await Promise.allSettled(
      [...byClass].map(async ([classUid, indexes]) => {
        const answered = await this.deliver(sender, classUid, indexes.map((index) => events[index].value));
        indexes.forEach((index, n) => (results[index] = answered[n].status === 'applied' ? { status: 'accepted' } : answered[n]));
      }),
    );
    const refused = deliveries.find((delivery): delivery is PromiseRejectedResult => delivery.status === 'rejected');
    if (refused) throw refused.reason;
    return results;
  }

  async readiness(): Promise<Readiness> {
    return { ready: true, checks: { delivery: 'embedded: straight to the subgraphs' } };
  }

  async close(): Promise<void> {}

  private async deliver(sender: Principal, classUid: EventClassUid, values: unknown[]): Promise<DeliveryResponse['results']> {
    const subgraph = EVENT_CLASSES[classUid].consumer;
    const url = new URL(`${DELIVERY_PATH_PREFIX}${classUid}`, this.subgraphUrls[subgraph]);
    const principal: Principal = { sub: sender.sub, tenant: sender.tenant, kind: sender.kind, clientId: sender.clientId, scopes: [INGEST_SCOPE] };
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: signPrincipal(principal, this.principalSecret) },
        body: JSON.stringify({ events: values }),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
    } catch (error) {
      this.logger.warn({ err: error, subgraph }, 'the subgraph did not answer a delivery');
      throw new DeliveryRefused(503, 'SUBGRAPH_UNAVAILABLE', `the ${subgraph} subgraph, which takes class ${classUid}, did not answer; send the batch again later`, UNAVAILABLE_RETRY_AFTER_SECONDS);
    }
    const body = (await response.json().catch(() => undefined)) as (DeliveryResponse & { error?: { code: string; message: string } }) | undefined;
    if (response.ok && Array.isArray(body?.results) && body.results.length === values.length) return body.results;
    const retryAfter = Number(response.headers.get('retry-after')) || UNAVAILABLE_RETRY_AFTER_SECONDS;
    if (response.status === 429) throw new DeliveryRefused(429, 'BACKPRESSURE', `the ${subgraph} subgraph is behind; send the batch again after ${retryAfter} s`, retryAfter);
    this.logger.error({ subgraph, status: response.status, error: body?.error }, 'the subgraph refused a delivery');
    const why = response.status === 503 ? `its store is unavailable` : `it answered ${response.status}${body?.error ? ` (${body.error.code})` : ''}`;
    throw new DeliveryRefused(503, 'SUBGRAPH_UNAVAILABLE', `the ${subgraph} subgraph, which takes class ${classUid}, could not take the events: ${why}; send the batch again later`, retryAfter);
  }
}
