import { createServer, type Server } from 'node:http';
import { openAuditSink } from '../../lib/audit-sink';
import { createAuthenticator } from '../../lib/authentication/authenticator';
import { close as closeServer, createMetricsServer, sendJson } from '../../lib/http-server';
import type { Logger } from '../../lib/logger';
import { INTAKE_CLASSES, type IngestConfig } from './config';
import { HttpSink } from './delivery/http-sink';
import { NatsSink } from './delivery/nats-sink';
import type { EventSink } from './delivery/event-sink';
import { createIntake } from './intake';
import { IntakeMetrics } from './metrics';

/** The intake service, built (never listening): index.ts and tests bind its two servers. */
export interface IngestService {
  /** POST /v1/events, /healthz, /readyz. */
  readonly httpServer: Server;
  /** /metrics, on a listener of its own. */
  readonly metricsServer: Server;
  readonly metrics: IntakeMetrics;
  /** Stops both listeners (requests in flight finish), then the delivery and the audit trail. Safe to call twice. */
  close(): Promise<void>;
}

export const EVENTS_PATH = '/v1/events';

export async function createIngestService(config: IngestConfig, logger: Logger): Promise<IngestService> {
  const authenticator = await createAuthenticator(config.tokens);
  const metrics = new IntakeMetrics();
  const audit = openAuditSink(config.auditLog);
  const sink: EventSink =
    config.delivery.kind === 'nats'
      ? new NatsSink(config.delivery.jetstream, config.maxBacklog, logger, (messages) => metrics.backlog.set(messages))
      : new HttpSink(config.delivery.subgraphUrls, config.delivery.principalSecret, logger);
  const { partnerWriteClients, maxBodyBytes, maxEvents, maxInFlight } = config;
  const intake = createIntake({ authenticator, partnerWriteClients, classes: INTAKE_CLASSES, sink, metrics, audit: audit.write, logger, maxBodyBytes, maxEvents, maxInFlight });

  const httpServer = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const served = (async () => {
      if (path === EVENTS_PATH) return intake(request, response);
      request.resume();
      if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
      if (path === '/readyz') {
        const readiness = await sink.readiness();
        return sendJson(response, readiness.ready ? 200 : 503, readiness);
      }
      sendJson(response, 404, { error: { code: 'NOT_FOUND', message: `events are taken at POST ${EVENTS_PATH}` } });
    })();
    served.catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled error while serving a request');
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error; it is logged' } });
      else response.destroy();
    });
  });
  httpServer.keepAliveTimeout = 65_000;
  const metricsServer = createMetricsServer(async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }), logger);

  let closing: Promise<void> | undefined;
  return {
    httpServer,
    metricsServer,
    metrics,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([closeServer(httpServer), closeServer(metricsServer)]);
        await sink.close();
        await audit.close();
      })()),
  };
}
