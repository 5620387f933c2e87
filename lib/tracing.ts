import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { Environment } from './config';
import type { Logger } from './logger';

let sdk: NodeSDK | undefined;

/**
 * Whether the standard OpenTelemetry variables ask for traces: an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT
 * or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), or an exporter other than none in OTEL_TRACES_EXPORTER.
 * OTEL_SDK_DISABLED=true turns tracing off whatever else is set.
 */
export function tracingRequested(env: Environment): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts the OpenTelemetry SDK when the environment asks for traces (tracingRequested), named after
 * OTEL_SERVICE_NAME or else `defaultServiceName`; otherwise does nothing: the SDK is not even loaded.
 * Must run before http, pg and mongodb are first required, because the instrumentations patch them as they
 * load: the gateway's index.ts imports its start-tracing module first, and a subgraph's index.ts calls
 * subgraph-kit's runSubgraph, which starts tracing before it loads the subgraph. Returns whether tracing runs.
 */
export function startTracing(defaultServiceName: string): boolean {
  if (sdk) return true;
  if (!tracingRequested(process.env)) return false;
  // Loaded here, not imported above: a service without tracing never loads the SDK or its exporters.
  const { createTracingSdk } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  sdk = createTracingSdk(defaultServiceName);
  sdk.start();
  return true;
}

/**
 * Exports the spans not sent yet and stops the SDK; a no-op when tracing is off. Spans that cannot be
 * exported (the collector is away) are logged as lost rather than failing the stop.
 */
export async function shutdownTracing(logger: Logger): Promise<void> {
  if (!sdk) return;
  const stopping = sdk;
  sdk = undefined;
  try {
    await stopping.shutdown();
  } catch (error) {
    logger.warn({ err: error }, 'could not export the last spans');
  }
}
