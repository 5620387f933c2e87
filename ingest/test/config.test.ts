import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/errors';
import { MAX_EVENTS_PER_DELIVERY } from '../../lib/ingestion/delivery';
import { readIngestConfig } from '../src/config';

describe('INGEST_MAX_EVENTS', () => {
  let directory: string;
  beforeAll(() => (directory = mkdtempSync(join(tmpdir(), 'palisade-ingest-config-'))));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('is at most what one delivery to a subgraph takes on the embedded path, where a request is one delivery per class', () => {
    const env = { PALISADE_DATA_DIR: directory };
    expect(readIngestConfig(env).maxEvents).toBe(MAX_EVENTS_PER_DELIVERY);
    expect(readIngestConfig({ ...env, INGEST_MAX_EVENTS: String(MAX_EVENTS_PER_DELIVERY) }).maxEvents).toBe(MAX_EVENTS_PER_DELIVERY);
    expect(() => readIngestConfig({ ...env, INGEST_MAX_EVENTS: String(MAX_EVENTS_PER_DELIVERY + 1) })).toThrow(ConfigError);
    expect(() => readIngestConfig({ ...env, INGEST_MAX_EVENTS: String(MAX_EVENTS_PER_DELIVERY + 1) })).toThrow(/at most 1000 without NATS_URL/);
  });
});
