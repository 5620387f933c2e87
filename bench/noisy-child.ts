// A client of --noisy-neighbour in a process of its own: NOISY_ROLE (quiet or flood) and NOISY_SPEC (its JSON spec)
// come from bench/noisy-neighbour.ts. It prints READY once it is ready to measure, starts when a line "go"
// arrives on stdin (the flood stops at a line "stop"), and prints its result as one RESULT line.
import { createInterface } from 'node:readline';
import { floodLoad, GO_LINE, quietLoad, READY_LINE, RESULT_LINE_PREFIX, STOP_LINE, type FloodSpec, type QuietSpec } from './noisy-load';
import { requiredEnv } from './serve-child';

const lines = createInterface({ input: process.stdin });

/** Resolves when `expected` arrives on stdin. */
function lineFromParent(expected: string): Promise<void> {
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      if (line.trim() !== expected) return;
      lines.off('line', onLine);
      resolve();
    };
    lines.on('line', onLine);
  });
}

function ready(): Promise<void> {
  process.stdout.write(`${READY_LINE}\n`);
  return lineFromParent(GO_LINE);
}

async function main(): Promise<void> {
  const role = requiredEnv('NOISY_ROLE');
  const spec: unknown = JSON.parse(requiredEnv('NOISY_SPEC'));
  let result: unknown;
  if (role === 'quiet') {
    result = await quietLoad(spec as QuietSpec, ready);
  } else if (role === 'flood') {
    const stop = lineFromParent(STOP_LINE);
    await ready();
    result = await floodLoad(spec as FloodSpec, stop);
  } else {
    throw new Error(`NOISY_ROLE must be quiet or flood, got ${role}`);
  }
  process.stdout.write(`${RESULT_LINE_PREFIX}${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('noisy-neighbour client failed', error);
    process.exit(1);
  },
);
