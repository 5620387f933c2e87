import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

/** The most one event (one line) may hold: JetStream's messages are at most 1 MiB, and no OCSF event needs this much. */
export const MAX_LINE_BYTES = 256 * 1024;

/** Why a body could not be read as NDJSON at all; the request is answered with `status`. */
export class BodyRefused extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyRefused';
  }
}

/** Media types of newline-delimited JSON that producers send. */
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

/** Checks Content-Type and Content-Encoding before the body is read. */
export function assertNdjson(contentType: string | undefined, contentEncoding: string | undefined): void {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!NDJSON_TYPES.includes(type)) {
    throw new BodyRefused(415, 'UNSUPPORTED_MEDIA_TYPE', `send newline-delimited JSON, one OCSF event per line, as application/x-ndjson (got ${JSON.stringify(type || 'none')})`);
  }
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new BodyRefused(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding may be gzip, or none');
}

/** The body as text: gunzipped when it says gzip, never longer than `maxBytes` either way. */
export async function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<string> {
  if ((contentEncoding ?? '').trim().toLowerCase() !== 'gzip') return body.toString('utf8');
  try {
    return (await gunzipAsync(body, { maxOutputLength: maxBytes })).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BodyRefused(413, 'PAYLOAD_TOO_LARGE', `the body holds more than ${maxBytes} bytes once decompressed; send fewer events per request`);
    }
    throw new BodyRefused(400, 'BAD_REQUEST', 'the body is not valid gzip, although Content-Encoding says gzip');
  }
}

/** One line of the body that holds something, numbered from 1 as an editor counts (blank lines count too). */
export interface Line {
  line: number;
  text: string;
}

/** The non-empty lines, at most `maxEvents` of them; more refuses the whole request, before any is read. */
export function splitLines(text: string, maxEvents: number): Line[] {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') lines.push({ line: index + 1, text: line });
  });
  if (lines.length > maxEvents) throw new BodyRefused(413, 'TOO_MANY_EVENTS', `a request holds at most ${maxEvents} events (non-empty lines), got ${lines.length}; split the batch`);
  return lines;
}
