import type { Server } from 'node:http';
import { close, listen } from '../lib/http-server';

/** What a gateway child prints on stdout once it listens; the parent reads its port from it. */
export const PORT_LINE_PREFIX = 'BENCH_PORT=';
/** What a gateway child with a metrics listener prints before its port line: that listener's port. */
export const METRICS_PORT_LINE_PREFIX = 'BENCH_METRICS_PORT=';

/**
 * Binds a gateway child's server (and its metrics listener, when it has one) to 127.0.0.1 port 0, then announces
 * them (see announcePort).
 */
export async function serveChild(server: Server, stop: () => Promise<void> = () => close(server), metricsServer?: Server): Promise<void> {
  if (metricsServer) {
    const metrics = await listen(metricsServer, 0, '127.0.0.1');
    process.stdout.write(`${METRICS_PORT_LINE_PREFIX}${metrics.port}\n`);
  }
  const address = await listen(server, 0, '127.0.0.1');
  announcePort(address.port, stop);
}

/**
 * Started with --expose-gc, a child collects its garbage on SIGUSR2, so that the parent can read the memory that
 * is still in use (the benchmark's memory per idle subscription).
 */
export function collectGarbageOnSignal(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  process.on('SIGUSR2', () => {
    // Twice: the first pass may only promote what the second then frees.
    gc();
    gc();
  });
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
