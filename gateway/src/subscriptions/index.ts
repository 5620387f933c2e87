import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ChangeSource } from '../../../lib/change-events/change-event';
import type { Logger } from '../../../lib/logger';
import type { ClientKind, Principal } from '../../../lib/principal';
import { safeRequestId } from '../pipeline/http-server';
import type { GatewayPlugin, StartedGateway } from '../pipeline/plugin';
import type { SubscriptionsConfig } from './config';
import { createEventStreamTransport } from './event-stream';
import { SubscriptionHub } from './hub';
import { createWebSocketTransport } from './websocket';

export interface SubscriptionsOptions {
  config: SubscriptionsConfig;
  /** Verifies a connection's credentials (the authentication behaviour's verifier). */
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** Where change events come from: NATS JetStream when configured, else each subgraph's own stream. */
  changeSource(gateway: StartedGateway): Promise<ChangeSource>;
  logger: Logger;
  hideSuggestions: boolean;
  maxBodyBytes: number;
  onDelivered?: (lagMs: number, count: number) => void;
  onDropped?: (reason: string) => void;
  onActiveChange?: (kind: ClientKind, delta: 1 | -1) => void;
}

/**
 * Live data: subscriptions at /graphql over WebSocket (graphql-transport-ws) and Server-Sent Events (graphql-sse),
 * fed by the change events subgraphs publish after they commit. Each operation is checked by the pipeline like a
 * query (token, persisted operations, limits, cost, audit); each event is resolved through the federated graph
 * with the subscriber's authorization (see hub.ts).
 */
export function useSubscriptions(options: SubscriptionsOptions): GatewayPlugin {
  let hub: SubscriptionHub | undefined;
  let webSockets: ReturnType<typeof createWebSocketTransport> | undefined;
  let eventStreams: ReturnType<typeof createEventStreamTransport> | undefined;
  return {
    name: 'subscriptions',
    async onStart(_schema, gateway) {
      hub = new SubscriptionHub({
        ...options.config,
        pipeline: gateway.pipeline,
        source: await options.changeSource(gateway),
        logger: options.logger,
        hideSuggestions: options.hideSuggestions,
        onDelivered: options.onDelivered,
        onDropped: options.onDropped,
        onActiveChange: options.onActiveChange,
      });
      await hub.start();
      const transport = { hub, pipeline: gateway.pipeline, authenticate: options.authenticate, logger: options.logger, hideSuggestions: options.hideSuggestions };
      webSockets = createWebSocketTransport(transport);
      eventStreams = createEventStreamTransport({ ...transport, maxBodyBytes: options.maxBodyBytes });
    },
    onHttp: (exchange) => eventStreams?.handle(exchange, requestIdOf(exchange.request)) ?? false,
    onUpgrade: (request, socket, head) => webSockets?.handleUpgrade(request, socket, head) ?? false,
    async close() {
      // Connections first (clients reconnect elsewhere), then the subscriptions and the change source.
      hub?.beginClose();
      eventStreams?.close();
      await webSockets?.close();
      await hub?.close();
    },
  };
}

function requestIdOf(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return safeRequestId(Array.isArray(header) ? header[0] : header) ?? randomUUID();
}
