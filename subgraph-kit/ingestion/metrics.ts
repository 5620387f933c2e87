import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * A consuming subgraph's ingestion metrics, on its own metrics registry. Labels come from fixed sets: the class
 * uids it consumes, outcomes, rejection codes.
 */
export class IngestionMetrics {
  readonly events: Counter<'class' | 'outcome'>;
  readonly deadLetters: Counter<'class' | 'code'>;
  readonly batchDuration: Histogram<'class'>;
  readonly eventLatency: Histogram<'class'>;
  readonly lag: Gauge<'class'>;
  readonly storeUnavailable: Counter<'class'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: 'palisade_ingest_consumed_events_total',
      help: 'Events a consumer took, by class and outcome: applied (also when already applied or older), rejected (invalid), dead_lettered, retried (failed, delivered again later)',
      labelNames: ['class', 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'palisade_ingest_dead_letters_total',
      help: 'Events moved to the dead letters, by class and rejection code',
      labelNames: ['class', 'code'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'palisade_ingest_batch_duration_seconds',
      help: 'Time to read and write one batch of events, by class',
      labelNames: ['class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.eventLatency = new Histogram({
      name: 'palisade_ingest_event_latency_seconds',
      help: 'From an event entering the stream to its being applied, by class (NATS only)',
      labelNames: ['class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.lag = new Gauge({
      name: 'palisade_ingest_consumer_lag_messages',
      help: 'Events of the class waiting in the stream for this consumer, as of its last batch (NATS only)',
      labelNames: ['class'],
      registers,
    });
    this.storeUnavailable = new Counter({
      name: 'palisade_ingest_store_unavailable_total',
      help: 'Batches held because the store did not answer, by class; each is tried again',
      labelNames: ['class'],
      registers,
    });
  }
}
