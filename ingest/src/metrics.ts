import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isEventClassUid } from '../../lib/ingestion/event';

/**
 * The intake's Prometheus metrics, on its own listener (METRICS_PORT). Labels come from fixed sets: the class
 * uids Palisade knows (anything else is "other"), rejection codes, request outcomes.
 */
export class IntakeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'outcome'>;
  readonly requestDuration: Histogram<'outcome'>;
  readonly events: Counter<'class' | 'outcome' | 'reason'>;
  readonly backlog: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'palisade_ingest_' });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'palisade_ingest_requests_total',
      help: 'Requests to POST /v1/events by outcome: the HTTP status, or processed',
      labelNames: ['outcome'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'palisade_ingest_request_duration_seconds',
      help: 'Time from a request to its answer, by outcome; on the embedded path it includes writing the events',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.events = new Counter({
      name: 'palisade_ingest_events_total',
      help: 'Events by class, outcome (accepted, rejected) and, for a rejection, its reason code',
      labelNames: ['class', 'outcome', 'reason'],
      registers,
    });
    this.backlog = new Gauge({
      name: 'palisade_ingest_backlog_messages',
      help: 'Events waiting in the stream for their consumers (NATS only); above INGEST_MAX_BACKLOG producers get 429',
      registers,
    });
  }

  /** A class uid as a label: one Palisade knows, else "other", so that invented classes cannot grow the series. */
  static classLabel(classUid: number | undefined): string {
    return classUid !== undefined && isEventClassUid(classUid) ? String(classUid) : 'other';
  }
}
