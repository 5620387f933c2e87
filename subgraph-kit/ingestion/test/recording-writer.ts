import { sampleEvents } from '../../../examples/ocsf/samples';
import type { EventOf } from '../../../lib/ingestion/event';
import { StoreUnavailableError } from '../../store-errors';
import type { EventWriter } from '../event-writer';

/** A Device Inventory Info event for device `n`, from the sample, with its own uid and metadata.uid. */
export function deviceEvent(n: number, extra: Record<string, unknown> = {}): Record<string, any> {
  const [sample] = sampleEvents(5001);
  return { ...sample, ...extra, metadata: { ...sample.metadata, uid: `event-${n}` }, device: { ...sample.device, uid: `device-${n}` } };
}

/**
 * A writer that records what it applied, for tests of the ways in: how often each event was written (a second
 * time would show as 2), how many write calls there were, and failures on demand: devices whose events the
 * "store" refuses, a number of calls answered as if the store were down, a gate that holds writes.
 */
export class RecordingWriter implements EventWriter<5001> {
  readonly applied = new Map<string, number>();
  readonly batchSizes: number[] = [];
  readonly poisoned = new Set<string>();
  unavailableCalls = 0;
  /** When set, each write waits for it. */
  hold: Promise<void> | undefined;

  async write(events: EventOf<5001>[]): Promise<void> {
    this.batchSizes.push(events.length);
    await this.hold;
    if (this.unavailableCalls > 0) {
      this.unavailableCalls -= 1;
      throw new StoreUnavailableError('the test store is down');
    }
    const refused = events.find((event) => this.poisoned.has(event.body.device.uid));
    if (refused) throw new Error(`the test store refuses device ${refused.body.device.uid}`);
    for (const event of events) this.applied.set(event.eventId, (this.applied.get(event.eventId) ?? 0) + 1);
  }

  /** Events applied more than once. */
  get appliedTwice(): string[] {
    return [...this.applied].filter(([, times]) => times > 1).map(([id]) => id);
  }
}
