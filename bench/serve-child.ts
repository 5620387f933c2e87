import type { Server } from 'node:http';
import { close, listen } from '../lib/http-server';

/** What a gateway child prints on stdout once it listens; the parent reads its port from it. */
export const PORT_LINE_PREFIX = 'BENCH_PORT=';

/** Binds a gateway child's server to 127.0.0.1 port 0, then announces it (see announcePort). */
export async function serveChild(server: Server, stop: () => Promise<void> = () => close(server)): Promise<void> {
  const address = await listen(server, 0, '127.0.0.1');
  announcePort(address.port, stop);
}

/**
 * Prints the port on stdout and stops on SIGTERM or SIGINT with a normal exit, so that a profile asked for
 * with --cpu-prof is written.
 */
export function announcePort(port: number, stop: () => Promise<void>): void {
  process.stdout.write(`${PORT_LINE_PREFIX}${port}\n`);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error('gateway child: error while stopping', error);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Reports a failed start on stderr (the parent shows it) and exits. */
export function failChild(name: string): (error: unknown) => never {
  return (error: unknown) => {
    console.error(`${name}: failed to start`, error);
    process.exit(1);
  };
}

/** A variable the parent always sets for its children. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: gateway children are started by bench/run.ts`);
  return value;
}
