import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler, type Request as EventStreamRequest } from 'graphql-sse';
import type { ExecutionResult } from 'graphql';
import { writeJson } from '../pipeline/http-server';
import { httpFactsOf } from '../pipeline/errors';
import { carriesBody, readBody } from '../pipeline/http-server';
import { searchCarriesParams } from '../pipeline/graphql-params';
import type { HttpExchange } from '../pipeline/plugin';
import type { ActiveSubscription } from './hub';
import { openOperation, resultsOf, type TransportOptions } from './transport';

/** What one event stream carries from its request to its answer. */
interface StreamContext {
  requestId: string;
  headers: IncomingMessage['headers'];
  /** The change event of each `next` message still to be written, in order: its SSE id. */
  eventIds: Array<string | undefined>;
  /** Releases the caller's connection count when the stream ends. */
  release?: () => void;
  /** The stream's subscription, ended with the stream. */
  subscription?: ActiveSubscription;
}

/**
 * Subscriptions (and queries) over Server-Sent Events, in graphql-sse's distinct-connections mode: a POST (or a
 * GET) to /graphql with `Accept: text/event-stream`, the token in its Authorization header. Each event carries
 * the change event's id (`id:`), and a client that reconnects with `Last-Event-ID` first receives what it missed
 * while the gateway still keeps it. The request is read once (the body of a POST, the query string of a GET)
 * and handed to graphql-sse, whose parameters the pipeline checks.
 */
export function createEventStreamTransport(options: TransportOptions & { maxBodyBytes: number }) {
  const open = new Set<ServerResponse>();
  const handler = createHandler<IncomingMessage, StreamContext>({
    // Distinct connections only: no stream reservations (single connection mode), which would outlive requests.
    authenticate: () => null,
    onSubscribe: async (request, params) => {
      const context = request.context!;
      const lastEventId = context.headers['last-event-id'];
      const opened = await openOperation(
        options,
        context.requestId,
        context.headers,
        { query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined, extensions: params.extensions ?? undefined },
        typeof lastEventId === 'string' ? lastEventId : undefined,
      );
      if (opened.kind === 'answer') {
        if (opened.status >= 400) return [JSON.stringify(opened.result), { status: opened.status, statusText: 'Refused', headers: { 'content-type': 'application/json; charset=utf-8' } }];
        return opened.result as ExecutionResult;
      }
      try {
        context.release = options.hub.openConnection(opened.operation.principal);
      } catch (error) {
        opened.subscription.end('refused: too many connections');
        const message = error instanceof Error ? error.message : 'refused';
        return [JSON.stringify({ errors: [{ message, extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED' } }] }), { status: httpFactsOf(error)?.status ?? 429, statusText: 'Refused', headers: { 'content-type': 'application/json; charset=utf-8' } }];
      }
      context.subscription = opened.subscription;
      return resultsOf(opened.subscription, (delivery) => context.eventIds.push(delivery.eventId));
    },
  });

  return {
    /** Serves an exchange that asks for an event stream (Accept: text/event-stream) at /graphql; false otherwise. */
    async handle(exchange: HttpExchange, requestId: string): Promise<boolean> {
      const { request, response, url } = exchange;
      const accept = request.headers.accept ?? '';
      if (url.pathname !== '/graphql' || !accept.includes('text/event-stream')) return false;
      const headers = { ...Object.fromEntries(exchange.responseHeaders), 'x-request-id': requestId };
      const refuse = (status: number, message: string, code: string) => {
        request.resume();
        writeJson(response, status, headers, { errors: [{ message, extensions: { code } }] }, 'application/json');
        return true;
      };
      let body: string | null = null;
      if (request.method === 'GET') {
        if (carriesBody(request)) return refuse(400, 'A GET request carries its operation in the query string and has no body; send a body with POST', 'BAD_REQUEST');
      } else if (request.method === 'POST') {
        if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return refuse(415, 'Send the operation of an event stream as application/json', 'UNSUPPORTED_MEDIA_TYPE');
        if (searchCarriesParams(url.searchParams)) return refuse(400, 'A POST request carries its operation in its JSON body; remove the GraphQL parameters from the query string', 'BAD_REQUEST');
        try {
          body = (await readBody(request, options.maxBodyBytes)).toString('utf8');
        } catch (error) {
          const http = httpFactsOf(error);
          if (!http) throw error;
          return refuse(http.status, (error as Error).message, 'PAYLOAD_TOO_LARGE');
        }
      } else {
        return refuse(405, 'Event streams are opened with POST (or GET); stream reservations (single connection mode) are not served', 'METHOD_NOT_ALLOWED');
      }
      const context: StreamContext = { requestId, headers: request.headers, eventIds: [] };
      const eventStreamRequest: EventStreamRequest<IncomingMessage, StreamContext> = {
        method: request.method,
        url: url.pathname + url.search,
        headers: { get: (name: string) => (name === 'accept' ? 'text/event-stream' : headerOf(request, name)) },
        body,
        raw: request,
        context,
      };
      const [answer, init] = await handler(eventStreamRequest);
      if (answer === null || typeof answer === 'string') {
        response.writeHead(init.status ?? 200, { ...headers, ...(init.headers as Record<string, string>) });
        response.end(answer ?? undefined);
        return true;
      }
      response.writeHead(init.status ?? 200, { ...headers, ...(init.headers as Record<string, string>) });
      open.add(response);
      const messages = answer[Symbol.asyncIterator]();
      // The client went away: the iteration's end ends the subscription (and completes graphql-sse's stream).
      // The response's close, not the request's: a request whose body was read has already emitted its own.
      response.once('close', () => void messages.return?.());
      try {
        for (let next = await messages.next(); !next.done; next = await messages.next()) {
          const message = next.value.startsWith('event: next') ? withId(next.value, context.eventIds.shift()) : next.value;
          if (!response.write(message)) await drainedOrClosed(response);
        }
      } finally {
        open.delete(response);
        // graphql-sse returns an operation's iterator, when its stream ends, only if it looks like a generator,
        // which this one is not: ended here, the subscription would otherwise stay registered, its events
        // gathered for a stream nobody reads. When the hub ended it first, its own reason stands.
        context.subscription?.end('completed by the client');
        context.release?.();
        response.end();
      }
      return true;
    },
    /** Cuts every stream without a completion, so that clients reconnect (to another replica) and resume. */
    close(): void {
      for (const response of open) response.destroy();
      open.clear();
    },
  };
}

/** Waits until a full response can take more, or its client went away (then it never drains). */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** An SSE message with the change event's id, which a reconnecting client sends back as Last-Event-ID. */
function withId(message: string, id: string | undefined): string {
  return id === undefined ? message : `id: ${id}\n${message}`;
}

function headerOf(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
