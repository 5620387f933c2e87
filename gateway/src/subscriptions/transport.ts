import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { formatError, httpFactsOf } from '../pipeline/errors';
import { GatewayRequest, type GraphQLParams, type OperationRequest, type OperationResult } from '../pipeline/request';
import type { Delivery } from './delivery-queue';
import type { ActiveSubscription, SubscriptionHub } from './hub';

/** What the transports need of the pipeline: one operation of a long-lived connection, checked like any other. */
export interface SubscribingPipeline {
  subscribe(request: GatewayRequest, params: GraphQLParams): Promise<{ subscription: OperationRequest } | { result: OperationResult; operation: OperationRequest }>;
}

export interface TransportOptions {
  hub: SubscriptionHub;
  pipeline: SubscribingPipeline;
  /** Verifies a connection's credentials before it is accepted (the pipeline verifies each operation again). */
  authenticate(authorization: string | undefined): Promise<Principal>;
  logger: Logger;
  hideSuggestions: boolean;
}

/** What one operation of a connection came to: an answer to send once, a stream, or a refusal. */
export type Opened =
  | { kind: 'answer'; result: FormattedExecutionResult; status: number }
  | { kind: 'stream'; subscription: ActiveSubscription; operation: OperationRequest };

/**
 * Runs one operation of a WebSocket or an event stream through the pipeline (authentication, persisted operations,
 * limits, cost, rate limits, the audit trail), then registers a subscription with the hub. Both transports share it,
 * so a subscription is checked the same way whichever protocol carries it.
 */
export async function openOperation(options: TransportOptions, id: string, headers: IncomingHttpHeaders, params: GraphQLParams, lastEventId?: string): Promise<Opened> {
  const request = new GatewayRequest(id, 'POST', headers, 1);
  const outcome = await options.pipeline.subscribe(request, params);
  const formatting = { hideSuggestions: options.hideSuggestions, requestId: id, logger: options.logger };
  if ('result' in outcome) return { kind: 'answer', result: formatResult(outcome.result, formatting), status: outcome.result.status ?? 200 };
  try {
    return { kind: 'stream', subscription: options.hub.register(outcome.subscription, lastEventId), operation: outcome.subscription };
  } catch (error) {
    const http = httpFactsOf(error);
    if (!http) throw error;
    return { kind: 'answer', result: { errors: [formatError(error as GraphQLError, formatting)] }, status: http.status };
  }
}

function formatResult(result: OperationResult, formatting: Parameters<typeof formatError>[1]): FormattedExecutionResult {
  const errors = result.errors?.map((error) => formatError(error, formatting));
  return { ...(errors && errors.length > 0 ? { errors } : {}), ...(result.data !== undefined ? { data: result.data } : {}) };
}

/** The answers of a subscription as the protocol libraries iterate them; ending the iteration ends the subscription. */
export function resultsOf(subscription: ActiveSubscription, onDelivery: (delivery: Delivery) => void = () => undefined): AsyncIterableIterator<ExecutionResult> {
  const deliveries = subscription.stream[Symbol.asyncIterator]();
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const next = await deliveries.next();
      if (next.done) return { done: true, value: undefined };
      onDelivery(next.value);
      return { done: false, value: executionResultOf(next.value) };
    },
    async return() {
      await deliveries.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** Answers already made, by delivery: every subscriber of a group gets the same delivery, and the protocols only read it. */
const executionResults = new WeakMap<Delivery, ExecutionResult>();

/**
 * A delivery as the protocol libraries send it, made once for all the subscribers it goes to (a GraphQLError per
 * subscriber would capture a stack trace for each).
 */
function executionResultOf(delivery: Delivery): ExecutionResult {
  let result = executionResults.get(delivery);
  if (!result) {
    result = asExecutionResult(delivery.result);
    executionResults.set(delivery, result);
  }
  return result;
}

/**
 * A formatted result (masked, without suggestions) as graphql-ws sends it: it serializes each error with its toJSON,
 * which only a GraphQLError has.
 */
export function asExecutionResult(result: FormattedExecutionResult): ExecutionResult {
  const { data, errors } = result;
  return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors: asGraphQLErrors(result) } : {}) } as ExecutionResult;
}

/** Formatted errors as graphql-ws sends them: GraphQL errors carrying the formatted message, path and extensions. */
export function asGraphQLErrors(result: FormattedExecutionResult): GraphQLError[] {
  return (result.errors ?? []).map((error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions }));
}
