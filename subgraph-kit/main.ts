import type { Environment } from '../lib/config';
import { ConfigError } from '../lib/errors';
import { listen } from '../lib/http-server';
import { createLogger, type Logger } from '../lib/logger';
import { stopOnSignals, type SubgraphService } from '../lib/service';
import type { SubgraphEnvironment } from './config';

/**
 * The whole of a subgraph's index.ts: reads its environment, builds the service, listens, and stops on
 * SIGINT or SIGTERM. A bad variable ends the process with exit code 1 and a message naming it.
 */
export function startSubgraph<TConfig extends SubgraphEnvironment & { port: number }>(
  name: string,
  readConfig: (env: Environment) => TConfig,
  create: (config: TConfig, logger: Logger) => Promise<SubgraphService>,
): void {
  const main = async () => {
    const config = readConfig(process.env);
    const logger = createLogger(name, config.logLevel);
    await runService(await create(config, logger), config.port, config.host, logger);
  };
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(`${name}: configuration error: ${error.message}`);
    else console.error(`${name}: failed to start`, error);
    process.exit(1);
  });
}

/** Binds a service to its port and stops it cleanly on SIGINT or SIGTERM, exporting its last spans. */
export async function runService(service: SubgraphService, port: number, host: string, logger: Logger): Promise<void> {
  const address = await listen(service.httpServer, port, host);
  logger.info({ url: `http://${host}:${address.port}/graphql` }, `${service.name} subgraph listening`);
  stopOnSignals(`${service.name} subgraph`, () => service.close(), logger);
}

