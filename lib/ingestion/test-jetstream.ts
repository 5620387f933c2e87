import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsServerOptions } from '../nats-url';
import { deadLetterStream, DEFAULT_MAX_DELIVER, type JetStreamSettings } from './jetstream';

/**
 * For tests: JetStream settings with names of their own (a stream and a subject prefix no other run uses), on
 * the NATS server of NATS_URL; undefined, with the reason printed, when NATS_URL is unset.
 */
export function testJetStreamSettings(suite: string, overrides: Partial<JetStreamSettings> = {}): JetStreamSettings | undefined {
  const url = process.env.NATS_URL;
  if (!url) {
    console.warn(`${suite}: skipped, NATS_URL is not set (e.g. nats://127.0.0.1:4222, a NATS server with JetStream)`);
    return undefined;
  }
  const run = randomBytes(5).toString('hex');
  return { url, stream: `PALISADE_TEST_${run}`, subjectPrefix: `palisade-test.${run}`, maxDeliver: DEFAULT_MAX_DELIVER, maxMessages: 10_000, ...overrides };
}

/** Deletes the streams a test created (their consumers go with them). */
export async function deleteTestStreams(settings: JetStreamSettings | undefined): Promise<void> {
  if (!settings) return;
  const connection = await connect(natsServerOptions(settings.url));
  try {
    const jsm = await jetstreamManager(connection);
    for (const stream of [settings.stream, deadLetterStream(settings)]) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await connection.close();
  }
}
