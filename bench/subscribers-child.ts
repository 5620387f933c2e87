// The subscribers of --subscriptions in a process of their own, so that receiving and recording events shares no
// event loop with the subgraphs or the mutations. SUBSCRIBERS_SPEC names a JSON file (a SubscribersSpec) written by
// bench/subscriptions.ts. It prints OPENED once its connections are open, starts measuring at a line "go", and at
// a line "stop <expected deliveries>" waits for them (bounded), writes its result and exits.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { requiredEnv } from './serve-child';
import { GO_LINE, OPENED_LINE_PREFIX, RESULT_LINE_PREFIX, runSubscribers, STOP_LINE_PREFIX, type SubscribersSpec } from './subscribers';

const lines = createInterface({ input: process.stdin });

/** Resolves with the rest of the first line from the parent that starts with `prefix`. */
function lineFromParent(prefix: string): Promise<string> {
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      if (!line.startsWith(prefix)) return;
      lines.off('line', onLine);
      resolve(line.slice(prefix.length).trim());
    };
    lines.on('line', onLine);
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(requiredEnv('SUBSCRIBERS_SPEC'), 'utf8')) as SubscribersSpec;
  const go = lineFromParent(GO_LINE).then(() => undefined);
  const stop = lineFromParent(STOP_LINE_PREFIX).then(Number);
  const result = await runSubscribers(spec, {
    opened: (report) => process.stdout.write(`${OPENED_LINE_PREFIX}${JSON.stringify(report)}\n`),
    go,
    stop,
  });
  writeFileSync(spec.resultPath, JSON.stringify(result));
  process.stdout.write(`${RESULT_LINE_PREFIX}${spec.resultPath}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('subscribers failed', error);
    process.exit(1);
  },
);
