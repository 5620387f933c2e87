import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK, resources, type tracing } from '@opentelemetry/sdk-node';
import type { Environment } from './config';

/** Probes and scrapes: a trace each would bury the requests. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The SDK of one service (loaded only by lib/tracing.ts startTracing when tracing is asked for): W3C trace
 * context, spans of incoming HTTP requests, of calls through undici (the gateway's subgraph fetches, which
 * thereby carry `traceparent`) and of PostgreSQL and MongoDB queries. Outgoing calls and queries get spans
 * only inside a traced request, so start-up work (migrations, seeding) and probes leave no traces.
 */
export function createTracingSdk(defaultServiceName: string, env: Environment = process.env): NodeSDK {
  return new NodeSDK({
    // The resource detectors merge over this, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
    resource: new resources.Resource({ 'service.name': defaultServiceName }),
    traceExporter: otlpJsonExporter(env),
    // Traces only: logs stay on stdout, metrics on /metrics.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '/').split('?')[0]),
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PgInstrumentation({ requireParentSpan: true }),
      // 0.52 patches the mongodb driver from 3.3 up to 6.x; a 7.x driver is left alone and its queries get no spans.
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
  });
}

/**
 * OTLP over HTTP with JSON bodies (exporter-trace-otlp-http), sent to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. When OTEL_TRACES_EXPORTER names another exporter or an
 * OTEL_EXPORTER_OTLP_*PROTOCOL variable another protocol, the SDK builds the exporter from them instead
 * (its own default protocol would be http/protobuf).
 */
function otlpJsonExporter(env: Environment): tracing.SpanExporter | undefined {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() || 'otlp';
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim();
  return exporter === 'otlp' && (!protocol || protocol === 'http/json') ? new OTLPTraceExporter() : undefined;
}
