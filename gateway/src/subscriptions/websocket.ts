import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientKind } from '../../../lib/principal';
import { httpFactsOf } from '../pipeline/errors';
import type { GraphQLParams } from '../pipeline/request';
import { asExecutionResult, asGraphQLErrors, openOperation, resultsOf, type TransportOptions } from './transport';

/** The subprotocol of graphql-ws (Apollo Client's GraphQLWsLink, the graphql-ws client). */
const PROTOCOL = 'graphql-transport-ws';
/** Pings at this interval keep idle connections open through proxies and find dead ones. */
const KEEP_ALIVE_MS = 12_000;
/** Service Restart: graphql-ws clients reconnect (to another replica) after it. */
const SERVICE_RESTART_CLOSE_CODE = 1012;
const MAX_MESSAGE_BYTES = 1_000_000;

/** What a connection carries from its acceptance to its operations. */
type ConnectionExtra = {
  authorization?: string;
  kind?: ClientKind;
  release?: () => void;
};

/** What the pipeline and hub answer an operation with, for graphql-ws to send. */
interface Prepared {
  result?: ExecutionResult;
  stream?: AsyncIterableIterator<ExecutionResult>;
}

/**
 * Subscriptions (and queries and mutations) over WebSocket, in graphql-ws's protocol. The token comes in
 * `connection_init`'s payload (`{ "authorization": "Bearer ..." }`) or in the upgrade request's Authorization
 * header; a connection that cannot be authenticated is closed with 4401, one over its caller's bound with 4429.
 * Every operation then runs through the pipeline like any other, and a subscription is served by the hub.
 */
export function createWebSocketTransport(options: TransportOptions) {
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      onConnect: async (ctx) => {
        const fromPayload = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const authorization = typeof fromPayload === 'string' ? fromPayload : ctx.extra.request.headers.authorization;
        try {
          const principal = await options.authenticate(authorization);
          ctx.extra.release = options.hub.openConnection(principal);
          ctx.extra.authorization = authorization;
          ctx.extra.kind = principal.kind;
          return true;
        } catch (error) {
          const status = httpFactsOf(error)?.status;
          const message = error instanceof Error ? error.message : 'refused';
          ctx.extra.socket.close(status === 429 ? CloseCode.TooManyInitialisationRequests : CloseCode.Unauthorized, closeReason(message));
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const { perConnection } = options.hub.limitsOf(ctx.extra.kind ?? 'user');
        if (Object.keys(ctx.subscriptions).length > perConnection) {
          return [new GraphQLError(`At most ${perConnection} subscriptions per connection; complete one first`, { extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: 'perConnection', maximum: perConnection } })];
        }
        const opened = await openOperation(
          options,
          `${ctx.extra.request.headers['x-request-id'] ?? 'ws'}:${id}`,
          { authorization: ctx.extra.authorization },
          paramsOf(payload),
        );
        if (opened.kind === 'answer') {
          if (opened.status >= 400) return asGraphQLErrors(opened.result);
          // An answer with errors below 400 (a query's field errors; APQ's PERSISTED_QUERY_NOT_FOUND) is a result.
          return { schema: undefined as never, document: parseless(), rootValue: { result: asExecutionResult(opened.result) } satisfies Prepared };
        }
        const { operation, subscription } = opened;
        return { schema: operation.schema.api, document: operation.document!, operationName: operation.operationName, rootValue: { stream: resultsOf(subscription) } satisfies Prepared };
      },
      execute: (args) => (args.rootValue as Prepared).result!,
      subscribe: (args) => (args.rootValue as Prepared).stream ?? (args.rootValue as Prepared).result!,
      onClose: (ctx) => ctx.extra.release?.(),
    },
    server,
    KEEP_ALIVE_MS,
  );

  return {
    /** Takes an upgrade request for /graphql in graphql-ws's subprotocol; false for any other. */
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const protocols = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim());
      if (!protocols.includes(PROTOCOL)) return false;
      server.handleUpgrade(request, socket, head, (client: WebSocket) => server.emit('connection', client, request));
      return true;
    },
    /** Closes every connection with Service Restart, so that clients reconnect to another replica. */
    async close(): Promise<void> {
      for (const client of server.clients) client.close(SERVICE_RESTART_CLOSE_CODE, 'gateway restarting; reconnect');
      await disposable.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A close reason is at most 123 bytes. */
function closeReason(message: string): string {
  return Buffer.byteLength(message) <= 123 ? message : `${Buffer.from(message).subarray(0, 120).toString()}...`;
}

/** graphql-ws asks for a document to tell a query from a subscription; an answered operation is a query. */
function parseless() {
  return { kind: 'Document', definitions: [{ kind: 'OperationDefinition', operation: 'query', selectionSet: { kind: 'SelectionSet', selections: [] } }] } as never;
}

/**
 * A subscribe message's GraphQL parameters. graphql-ws requires a `query` string; a client naming a persisted
 * operation sends it empty, with `extensions.persistedQuery` or GraphQL over HTTP's `documentId` beside it.
 */
function paramsOf(payload: SubscribePayload & { documentId?: unknown }): GraphQLParams {
  return {
    query: payload.query === '' ? undefined : payload.query,
    operationName: payload.operationName ?? undefined,
    variables: payload.variables ?? undefined,
    extensions: payload.extensions ?? undefined,
    documentId: typeof payload.documentId === 'string' ? payload.documentId : undefined,
  };
}
