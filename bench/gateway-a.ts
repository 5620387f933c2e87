// Gateway A: Palisade itself, configured from the environment exactly as gateway/src/index.ts does, with its
// metrics listener on a port of its own.
import { createLogger } from '../lib/logger';
import { readGatewayConfig } from '../gateway/src/config';
import { createGateway } from '../gateway/src/server';
import { collectGarbageOnSignal, failChild, serveChild } from './serve-child';

async function main(): Promise<void> {
  const config = readGatewayConfig(process.env);
  const gateway = await createGateway(config, createLogger('gateway', config.logLevel));
  collectGarbageOnSignal();
  await serveChild(gateway.httpServer, () => gateway.close(), gateway.metricsServer);
}

main().catch(failChild('gateway A (Palisade)'));
