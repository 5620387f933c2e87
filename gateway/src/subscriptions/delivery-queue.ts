import type { FormattedExecutionResult } from 'graphql';

/** One message for a subscriber: a result, and the change event it came from (the SSE event id), if any. */
export interface Delivery {
  eventId?: string;
  result: FormattedExecutionResult;
}

/**
 * A subscriber's messages, waiting for its transport to send them: an async iterable with a bound. A client that
 * reads slower than events arrive fills it; `push` then says no, and the hub cuts the subscriber off instead of
 * letting the gateway's memory grow. Returning the iterator (the client unsubscribed, the connection closed)
 * calls `onReturn` once.
 */
export class DeliveryQueue implements AsyncIterable<Delivery> {
  private readonly items: Delivery[] = [];
  private waiting: ((result: IteratorResult<Delivery>) => void) | undefined;
  private ended = false;

  constructor(
    private readonly bound: number,
    private readonly onReturn: () => void,
  ) {}

  /** Queues a delivery; false when the queue is full (the subscriber is too slow) or ended. */
  push(delivery: Delivery): boolean {
    if (this.ended || this.items.length >= this.bound) return false;
    this.offer(delivery);
    return true;
  }

  /** Ends the stream after the queued deliveries and a last one, if given (why it ended), whatever the bound. */
  end(last?: Delivery): void {
    if (this.ended) return;
    if (last) this.offer(last);
    this.ended = true;
    if (this.waiting && this.items.length === 0) this.release({ done: true, value: undefined });
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) return Promise.resolve({ done: false, value: item });
        if (this.ended) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.ended = true;
        this.items.length = 0;
        // A read waiting for the next delivery ends now, not when one would have come.
        if (this.waiting) this.release({ done: true, value: undefined });
        this.onReturn();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private offer(delivery: Delivery): void {
    if (this.waiting) this.release({ done: false, value: delivery });
    else this.items.push(delivery);
  }

  private release(result: IteratorResult<Delivery>): void {
    const waiting = this.waiting!;
    this.waiting = undefined;
    waiting(result);
  }
}
