import { formatSseComment, formatSseEvent, MAX_SSE_FIELD_LENGTH, SseParseError, SseParser, type SseMessage } from '../sse';

function parseAll(chunks: string[]): SseMessage[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('event stream format', () => {
  test('what is written is read back, however the bytes are split', () => {
    const text =
      formatSseEvent('change', '{"id":"e1","note":"é ✓"}', 'e1') + formatSseComment('heartbeat') + formatSseEvent('reset', '{"reason":"gone"}') + formatSseEvent('change', '{}', 'e2');
    const expected = [
      { id: 'e1', event: 'change', data: '{"id":"e1","note":"é ✓"}' },
      // The last event id is the stream's: an event without an id carries the previous one.
      { id: 'e1', event: 'reset', data: '{"reason":"gone"}' },
      { id: 'e2', event: 'change', data: '{}' },
    ];
    expect(parseAll([text])).toEqual(expected);
    for (let cut = 1; cut < text.length; cut++) expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    expect(parseAll([...text])).toEqual(expected);
  });

  test('CRLF, CR and LF all end lines, also when a CRLF is split between chunks', () => {
    const expected = [{ id: '7', event: 'change', data: 'a\nb' }];
    expect(parseAll(['id: 7\r\nevent: change\r\ndata: a\r\ndata: b\r\n\r\n'])).toEqual(expected);
    expect(parseAll(['id: 7\revent: change\rdata: a\rdata: b\r\r', ': next'])).toEqual(expected);
    expect(parseAll(['id: 7\r', '\nevent: change\r', '\ndata: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual(expected);
    // A CR at the end of a chunk is held back: the event is complete only once the next chunk says so.
    const parser = new SseParser();
    expect(parser.push('data: x\r\r')).toEqual([]);
    expect(parser.push('event: y\n\n')).toEqual([{ id: undefined, event: 'message', data: 'x' }]);
  });

  test('fields follow the standard: one space stripped, unknown fields and comments ignored, no data no event', () => {
    expect(parseAll(['data:no-space\nretry: 10\nfoo: bar\n: a comment\n\n'])).toEqual([{ id: undefined, event: 'message', data: 'no-space' }]);
    expect(parseAll(['data:  two spaces\n\n'])).toEqual([{ id: undefined, event: 'message', data: ' two spaces' }]);
    expect(parseAll(['event: change\nid: 3\n\n'])).toEqual([]);
    expect(parseAll(['id: a\0b\ndata: x\n\n'])).toEqual([{ id: undefined, event: 'message', data: 'x' }]);
    expect(parseAll(['data\n\n'])).toEqual([{ id: undefined, event: 'message', data: '' }]);
  });

  test('a line or an event that is too long ends the stream', () => {
    expect(() => parseAll(['data: ' + 'x'.repeat(MAX_SSE_FIELD_LENGTH + 1)])).toThrow(SseParseError);
    const manyLines = Array.from({ length: 20 }, () => `data: ${'y'.repeat(MAX_SSE_FIELD_LENGTH / 16)}\n`).join('');
    expect(() => parseAll([manyLines])).toThrow(SseParseError);
  });

  test('the byte order mark and split characters are the decoder’s: UTF-8 decoded in stream mode', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: ünï\n\n', 'utf8')]);
    const decoder = new TextDecoder('utf-8');
    const parser = new SseParser();
    const messages = [...bytes].flatMap((byte) => parser.push(decoder.decode(Uint8Array.of(byte), { stream: true })));
    expect(messages).toEqual([{ id: undefined, event: 'message', data: 'ünï' }]);
  });

  test('a value with a line break cannot be written', () => {
    expect(() => formatSseEvent('change', 'a\nb')).toThrow(TypeError);
    expect(() => formatSseEvent('change', 'a', 'id\r')).toThrow(TypeError);
    expect(() => formatSseComment('x\ny')).toThrow(TypeError);
  });
});
