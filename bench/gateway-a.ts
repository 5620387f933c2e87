// Gateway A: Palisade itself, configured from the environment exactly as gateway/src/index.ts does.
import { createLogger } from '../lib/logger';
import { readGatewayConfig } from '../gateway/src/config';
import { createGateway } from '../gateway/src/server';
import { failChild, serveChild } from './serve-child';

async function main(): Promise<void> {
  const config = readGatewayConfig(process.env);
  const gateway = await createGateway(config, createLogger('gateway', config.logLevel));
  await serveChild(gateway.httpServer, () => gateway.close());
}

main().catch(failChild('gateway A (Palisade)'));
