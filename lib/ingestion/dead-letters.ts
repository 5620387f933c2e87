import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { DEAD_LETTER_HEADERS, deadLetterSubject, type JetStreamSettings } from './jetstream';
import type { Environment } from '../config';
import { dataDirectory } from '../principal';
import type { RejectionCode } from './rejection';

/** An event that will not be applied without an operator: what it was, and why, for reading and replay. */
export interface DeadLetter {
  classUid: number;
  tenant: string;
  code: RejectionCode;
  reason: string;
  /** How often it was delivered, or tried, before it was given up. */
  deliveries: number;
  /** The consumer that gave it up: `<subgraph>-<class_uid>`. */
  consumer: string;
  /** Stable for one event: writing the same dead letter twice keeps one (Nats-Msg-Id). */
  id: string;
  /** The event exactly as it was delivered. */
  data: Uint8Array;
  /** The subject it arrived on (NATS only). */
  subject?: string;
}

/** Where dead letters go: a NATS subject (with NATS_URL), or a file of the data directory (embedded). */
export interface DeadLetterSink {
  write(letter: DeadLetter): Promise<void>;
}

/** Publishes to `<prefix>.dead.<class_uid>.<tenant>`, kept 30 days in the dead-letter stream; the event is the data. */
export class NatsDeadLetters implements DeadLetterSink {
  constructor(
    private readonly js: JetStreamClient,
    private readonly settings: JetStreamSettings,
  ) {}

  async write(letter: DeadLetter): Promise<void> {
    const headers = natsHeaders();
    headers.set(DEAD_LETTER_HEADERS.code, letter.code);
    // Header values are one line of printable text.
    headers.set(DEAD_LETTER_HEADERS.reason, letter.reason.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 2000));
    headers.set(DEAD_LETTER_HEADERS.deliveries, String(letter.deliveries));
    headers.set(DEAD_LETTER_HEADERS.consumer, letter.consumer);
    headers.set(DEAD_LETTER_HEADERS.failedAt, new Date().toISOString());
    if (letter.subject) headers.set(DEAD_LETTER_HEADERS.subject, letter.subject);
    await this.js.publish(deadLetterSubject(this.settings, letter.classUid, letter.tenant), letter.data, { msgID: `dead:${letter.id}`, headers });
  }
}

/** Where the embedded default keeps dead letters: one file per data directory, shared by the subgraphs. */
export function deadLetterFileOf(env: Environment): string {
  return join(dataDirectory(env), 'dead-letters.ndjson');
}

/** One dead letter per line of a file: its description, and the event as it was delivered. */
export interface DeadLetterLine {
  deadLetter: Omit<DeadLetter, 'data' | 'id' | 'subject'> & { failedAt: string };
  event: unknown;
}

/**
 * Appends to a file readable only by its owner (events may carry personal data): the embedded default's dead
 * letters, in PALISADE_DATA_DIR/dead-letters.ndjson, which `npm run dead-letters` lists and replays.
 */
export class FileDeadLetters implements DeadLetterSink {
  constructor(readonly path: string) {}

  async write(letter: DeadLetter): Promise<void> {
    const { data, id: _id, subject: _subject, ...description } = letter;
    const text = Buffer.from(data).toString('utf8');
    let event: unknown = text;
    try {
      event = JSON.parse(text);
    } catch {
      // Kept as the text it was: a malformed event is one an operator needs to see as it came.
    }
    await this.append({ deadLetter: { ...description, failedAt: new Date().toISOString() }, event });
  }

  /** Appends a line as it was read (a letter a replay left alone keeps its reason and time). */
  async append(line: DeadLetterLine): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(this.path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }
}
