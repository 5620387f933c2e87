import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../logger';
import type { ChangeEvent } from '../change-event';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger whose lines the test can read (pino levels: 20 debug, 30 info, 40 warn, 50 error). */
export function captureLogger(): { logger: Logger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        raw.push(text);
        lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines, raw };
}

/** Events as a subscriber hears them, with a way to wait for a number of them. */
export class Received {
  readonly events: ChangeEvent[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly push = (event: ChangeEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.events.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  get ids(): string[] {
    return this.events.map((event) => event.id);
  }

  /** Resolves once `count` events arrived in all; rejects after `timeoutMs`, saying what did arrive. */
  atLeast(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} events within ${timeoutMs} ms, got ${this.events.length}: ${this.ids.join(', ')}`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** Resolves when `check` holds, polled every 10 ms; rejects with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let counter = 0;

/** A ChangeEvent with a unique id; `entity` and `sequence` say where it stands. */
export function changeEvent(overrides: Partial<ChangeEvent> = {}): ChangeEvent {
  counter++;
  return {
    id: `evt-${process.pid}-${Date.now().toString(36)}-${counter}`,
    field: 'incidentChanged',
    tenant: 'acme',
    entity: 'inc-1',
    sequence: counter,
    at: new Date().toISOString(),
    ...overrides,
  };
}
