import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openAuditSink } from '../src/audit';

describe('the audit sink', () => {
  it('writes the lines of one turn of the event loop to stdout in one write, in order', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const sink = openAuditSink('stdout');
      for (const n of [1, 2, 3]) sink.write(`{"n":${n}}`);
      expect(write).not.toHaveBeenCalled();
      await nextTurn();
      expect(write.mock.calls).toEqual([['{"n":1}\n{"n":2}\n{"n":3}\n']]);
      sink.write('{"n":4}');
      await sink.close();
      expect(write.mock.calls[1]).toEqual(['{"n":4}\n']);
    } finally {
      write.mockRestore();
    }
  });

  it('appends to a file, and close() writes every line still waiting', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'palisade-audit-'));
    try {
      const path = join(directory, 'audit.jsonl');
      const sink = openAuditSink(path);
      for (let n = 0; n < 500; n++) sink.write(JSON.stringify({ n }));
      await sink.close();
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      expect(lines.map((line) => JSON.parse(line).n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
