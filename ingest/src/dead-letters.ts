import { readFile, rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsServerOptions } from '../../lib/nats-url';
import type { Environment } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { EVENT_CLASSES, isEventClassUid } from '../../lib/ingestion/event';
import { deadLetterStream, eventSubject, readDeadLetters, type JetStreamSettings } from '../../lib/ingestion/jetstream';
import { createLogger } from '../../lib/logger';
import { deadLetterFileOf, FileDeadLetters, type DeadLetterLine } from '../../lib/ingestion/dead-letters';
import { readIngestConfig, type Delivery } from './config';
import { HttpSink } from './delivery/http-sink';

const USAGE = `Lists and replays the events that consumers gave up on (the dead letters).

Usage: npm run dead-letters -- list   [--tenant <tenant>] [--class <class_uid>] [--payload]
       npm run dead-letters -- replay [--tenant <tenant>] [--class <class_uid>]

  list     one line per dead letter: where it is, class, tenant, code, deliveries, when, why
           (--payload adds the event itself, which may hold personal data)
  replay   delivers each dead letter again, as it was, to the consumer of its class, and removes it; one that
           fails again returns to the dead letters with its new reason

With NATS_URL the dead letters are the stream <INGEST_STREAM>_DEAD (default PALISADE_INGEST_DEAD); without it,
the embedded default's file PALISADE_DATA_DIR/dead-letters.ndjson (default .palisade).`;

/** One dead letter as the command shows it, wherever it is kept. */
export interface ListedDeadLetter {
  /** The dead-letter stream's sequence, or the file's line. */
  where: string;
  classUid: number;
  tenant: string;
  code: string;
  deliveries: number;
  failedAt: string;
  reason: string;
  event: unknown;
}

export interface DeadLetterFilter {
  tenant?: string;
  classUid?: number;
}

export interface ReplaySummary {
  /** Delivered again (published; applied, on the embedded path). */
  replayed: number;
  /** Back in the dead letters, with the reason they failed this time. */
  failedAgain: number;
}

/** The dead letters that match the filter, oldest first. */
export async function listDeadLetters(env: Environment, filter: DeadLetterFilter = {}): Promise<ListedDeadLetter[]> {
  const delivery = readIngestConfig(env).delivery;
  const letters = delivery.kind === 'nats' ? await natsLetters(delivery.jetstream) : await fileLetters(env);
  return letters.filter((letter) => matches(letter, filter));
}

/**
 * Delivers the matching dead letters again and removes them. On NATS each is published to the subject it was
 * consumed from, under a new message id (the old one may still be in the duplicate window), then deleted from
 * the dead-letter stream; its consumer applies it, or gives up on it again. On the embedded path the file is
 * moved aside first, so that letters written meanwhile are kept, and each letter goes to its subgraph as the
 * intake would send it.
 */
export async function replayDeadLetters(env: Environment, filter: DeadLetterFilter = {}): Promise<ReplaySummary> {
  const delivery = readIngestConfig(env).delivery;
  return delivery.kind === 'nats' ? replayFromNats(delivery.jetstream, filter) : replayFromFile(env, delivery, filter);
}

async function natsLetters(settings: JetStreamSettings): Promise<ListedDeadLetter[]> {
  const connection = await connect({ ...natsServerOptions(settings.url), name: 'palisade-dead-letters' });
  try {
    const letters = await readDeadLetters(await jetstreamManager(connection), settings);
    return letters.map((letter) => ({ ...letter, where: `${deadLetterStream(settings)}#${letter.sequence}`, event: parsed(Buffer.from(letter.data).toString('utf8')) }));
  } finally {
    await connection.close();
  }
}

async function replayFromNats(settings: JetStreamSettings, filter: DeadLetterFilter): Promise<ReplaySummary> {
  const connection = await connect({ ...natsServerOptions(settings.url), name: 'palisade-dead-letters' });
  try {
    const jsm = await jetstreamManager(connection);
    const js = jetstream(connection);
    let replayed = 0;
    for (const letter of await readDeadLetters(jsm, settings)) {
      if (!matches(letter, filter) || !isEventClassUid(letter.classUid)) continue;
      const subject = letter.subject ?? eventSubject(settings, letter.classUid, letter.tenant);
      await js.publish(subject, letter.data, { msgID: `replay:${deadLetterStream(settings)}:${letter.sequence}` });
      await jsm.streams.deleteMessage(deadLetterStream(settings), letter.sequence);
      replayed += 1;
    }
    // Whether they fail again is up to their consumers, later: they come back as new dead letters then.
    return { replayed, failedAgain: 0 };
  } finally {
    await connection.close();
  }
}

async function fileLetters(env: Environment): Promise<ListedDeadLetter[]> {
  return (await readLines(deadLetterFileOf(env))).map(({ deadLetter, event }, index) => ({ ...deadLetter, where: `line ${index + 1}`, event }));
}

async function replayFromFile(env: Environment, delivery: Extract<Delivery, { kind: 'http' }>, filter: DeadLetterFilter): Promise<ReplaySummary> {
  const file = deadLetterFileOf(env);
  const replaying = `${file}.${Date.now()}.replaying`;
  try {
    await rename(file, replaying);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { replayed: 0, failedAgain: 0 };
    throw error;
  }
  const sink = new HttpSink(delivery.subgraphUrls, delivery.principalSecret, createLogger('dead-letters', 'warn'));
  const kept = new FileDeadLetters(file);
  const summary = { replayed: 0, failedAgain: 0 };
  for (const line of await readLines(replaying)) {
    const { deadLetter, event } = line;
    if (!matches(deadLetter, filter) || !isEventClassUid(deadLetter.classUid)) {
      await kept.append(line);
      continue;
    }
    const sender = { sub: 'dead-letters-replay', tenant: deadLetter.tenant, kind: 'script' as const, scopes: [] };
    const [result] = await sink.accept(sender, [{ classUid: deadLetter.classUid, eventId: '', text: JSON.stringify(event), value: event }]);
    if (result.status === 'accepted') summary.replayed += 1;
    else {
      summary.failedAgain += 1;
      // A letter the subgraph gave up on again it wrote back itself; one it refused outright comes back here.
      if (result.code !== 'DEAD_LETTERED') await kept.write({ ...deadLetter, code: result.code, reason: result.message, id: '', data: Buffer.from(JSON.stringify(event)) });
    }
  }
  await rm(replaying);
  return summary;
}

async function readLines(file: string): Promise<DeadLetterLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeadLetterLine);
}

function matches(letter: { tenant: string; classUid: number }, filter: DeadLetterFilter): boolean {
  return (filter.tenant === undefined || letter.tenant === filter.tenant) && (filter.classUid === undefined || letter.classUid === filter.classUid);
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A mistake in how the command was called: reported with the usage and exit code 2. */
class UsageError extends Error {}

async function main(): Promise<void> {
  let values: { tenant?: string; class?: string; payload?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { tenant: { type: 'string' }, class: { type: 'string' }, payload: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) return void process.stdout.write(`${USAGE}\n`);
  if (rest.length > 0 || (command !== 'list' && command !== 'replay')) throw new UsageError(`expected list or replay, got ${positionals.join(' ')}`);
  const classUid = values.class === undefined ? undefined : Number(values.class);
  if (classUid !== undefined && !isEventClassUid(classUid)) throw new UsageError(`--class must be one of ${Object.keys(EVENT_CLASSES).join(', ')}`);
  const filter = { tenant: values.tenant, classUid };
  if (command === 'replay') {
    const { replayed, failedAgain } = await replayDeadLetters(process.env, filter);
    process.stdout.write(`replayed ${replayed} dead letter(s)${failedAgain > 0 ? `; ${failedAgain} failed again and are back in the dead letters` : ''}\n`);
    return;
  }
  const letters = await listDeadLetters(process.env, filter);
  for (const letter of letters) {
    process.stdout.write(`${letter.where}\t${letter.classUid}\t${letter.tenant}\t${letter.code}\t${letter.deliveries} deliveries\t${letter.failedAt}\t${letter.reason}\n`);
    if (values.payload) process.stdout.write(`  ${JSON.stringify(letter.event)}\n`);
  }
  process.stdout.write(`${letters.length} dead letter(s)\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`dead-letters: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
