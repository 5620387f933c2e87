import pino from 'pino';

export type AuditSink = (line: string) => void;

/**
 * AUDIT_LOG: "stdout" (default), "stderr", "off", or a file path appended to. Lines go through pino's
 * asynchronous destination (SonicBoom): a request never waits for a write (in a container stdout is a pipe,
 * which Node writes synchronously), and lines queued while a write is in flight leave together in the next
 * one. close() writes what is left.
 */
export function openAuditSink(destination: string): { write: AuditSink; close(): Promise<void> } {
  if (destination === 'off') return { write: () => undefined, close: async () => undefined };
  const stream =
    destination === 'stdout' || destination === 'stderr'
      ? pino.destination({ dest: destination === 'stdout' ? 1 : 2, sync: false })
      : pino.destination({ dest: destination, append: true, mkdir: true, sync: false, mode: 0o600 });
  let closing: Promise<void> | undefined;
  return {
    write: (line) => void stream.write(`${line}\n`),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        // end() writes what is queued, then closes a file; the process's own stdout and stderr stay open (SonicBoom
        // never closes descriptors 1 and 2). Not flush(): with pino's minLength 0 it calls back at once, before
        // the queued lines are written.
        stream.once('close', () => resolve());
        stream.end();
      })),
  };
}
