import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The sample files, one class each, in the order the README posts them. */
export const SAMPLE_FILES = {
  5003: 'user-inventory.ndjson',
  5001: 'device-inventory.ndjson',
  2002: 'vulnerability-findings.ndjson',
  2004: 'detection-findings.ndjson',
} as const;

/** The tenant the samples are written for (the demo's acme). */
export const SAMPLE_TENANT = 'acme';

/** The sample events of a class, as parsed JSON objects, in file order. */
export function sampleEvents(classUid: keyof typeof SAMPLE_FILES): Record<string, any>[] {
  return sampleLines(classUid).map((line) => JSON.parse(line) as Record<string, any>);
}

/** The sample lines of a class, as they are in the file. */
export function sampleLines(classUid: keyof typeof SAMPLE_FILES): string[] {
  return readFileSync(join(__dirname, SAMPLE_FILES[classUid]), 'utf8').split('\n').filter((line) => line !== '');
}
