/**
 * Server-Sent Events as the WHATWG HTML standard defines the `text/event-stream` format: what the change stream
 * writes and what the gateway reads. Small enough to own; the gateway reads with its own headers (the service
 * token), its own backoff and its own idle timeout, which an EventSource does not allow.
 */

export interface SseMessage {
  /** The last event id at the time this message was dispatched (the stream's, not only this message's). */
  id: string | undefined;
  /** `message` when the event named none. */
  event: string;
  data: string;
}

/** One event as the stream carries it. Values must not contain line breaks: ids and names are ours, data is JSON. */
export function formatSseEvent(event: string, data: string, id?: string): string {
  for (const value of [event, data, id ?? '']) {
    if (/[\r\n]/.test(value)) throw new TypeError('an SSE field value cannot contain a line break');
  }
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

/** A comment line: ignored by readers, keeps the connection and its proxies from idling out. */
export function formatSseComment(text: string): string {
  if (/[\r\n]/.test(text)) throw new TypeError('an SSE comment cannot contain a line break');
  return `: ${text}\n\n`;
}

/** A line or an event's data longer than this ends the stream: a misbehaving server cannot fill the gateway's memory. */
export const MAX_SSE_FIELD_LENGTH = 64 * 1024;

export class SseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseParseError';
  }
}

/**
 * Reads an event stream chunk by chunk (text already decoded; a TextDecoder in stream mode keeps multi-byte
 * characters whole and drops the byte order mark). Lines end in CRLF, LF or CR; a CR at the end of a chunk may
 * be the first half of a CRLF, so it waits for the next chunk.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private dataLength = 0;
  private event = '';
  private lastEventId: string | undefined;

  /** The complete events in this chunk, in order. Throws SseParseError when a line or an event is too long. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const end = nextLineBreak(this.buffer, start);
      if (end === -1) break;
      const line = this.buffer.slice(start, end);
      if (this.buffer[end] === '\r') {
        if (end + 1 === this.buffer.length) break; // a CR that may be followed by LF in the next chunk
        start = this.buffer[end + 1] === '\n' ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
      const message = this.line(line);
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > MAX_SSE_FIELD_LENGTH) throw new SseParseError(`an event stream line is longer than ${MAX_SSE_FIELD_LENGTH} characters`);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (name) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.dataLength += value.length + 1;
        if (this.dataLength > MAX_SSE_FIELD_LENGTH) throw new SseParseError(`an event's data is longer than ${MAX_SSE_FIELD_LENGTH} characters`);
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      default:
      // `retry` and unknown fields: the reader keeps its own backoff.
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const event = this.event || 'message';
    const data = this.data.join('\n');
    const hadData = this.data.length > 0;
    this.event = '';
    this.data = [];
    this.dataLength = 0;
    return hadData ? { id: this.lastEventId, event, data } : undefined;
  }
}

function nextLineBreak(text: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10 || code === 13) return index;
  }
  return -1;
}
