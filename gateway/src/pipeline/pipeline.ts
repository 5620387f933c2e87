import type { IncomingHttpHeaders } from 'node:http';
import { getVariableValues, GraphQLError, Kind, OperationTypeNode, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { DocumentCache, DocumentEntry } from './documents';
import { codeOf, formatError, httpFactsOf, refusal } from './errors';
import type { Executable, ExecutionOutcome, GatewayPlugin, SubgraphFetch, SubgraphResponse } from './plugin';
import { GatewayRequest, OperationRequest, type GraphQLParams, type OperationResult } from './request';
import type { ServedSchema } from './served-schema';

/** A GraphQL request as the HTTP front read it: its one value, which nothing re-reads. */
export interface GraphQLHttpRequest {
  id: string;
  method: 'GET' | 'POST';
  headers: Readonly<IncomingHttpHeaders>;
  /** One operation, or an array of them (batching). */
  params: GraphQLParams | GraphQLParams[];
}

/** What the HTTP front writes: a status, headers, and a JSON body (an array for a batch). */
export interface GraphQLHttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Every error in the answer is a validation error: GraphQL over HTTP answers 422 where the client accepts it. */
  validationFailed: boolean;
}

export interface RequestPipelineOptions {
  plugins: readonly GatewayPlugin[];
  documents: DocumentCache;
  /** The schema an operation starting now is checked against. */
  schema: () => ServedSchema;
  /** Runs an executable once every check passed (Federation.execute). */
  execute: (operation: OperationRequest, executable: Executable) => Promise<ExecutionOutcome>;
  /** Operations allowed in one array-batched request; 0 turns batching off. */
  batchMaxOperations: number;
  /** Production: no "Did you mean ...?" in any message. */
  hideSuggestions: boolean;
  logger: Logger;
}

type Hooked<K extends keyof GatewayPlugin> = GatewayPlugin & Required<Pick<GatewayPlugin, K>>;

/**
 * A request's life, in order: the behaviours' onRequest hooks (who asks, may they ask now), then for each
 * operation its params (persisted ids), its parse (once per text), its shape, its validation (once per text and
 * schema), its variables, the behaviours' last checks, and its execution wrapped by the behaviours' execute
 * hooks; every behaviour sees the result. Nothing here decides policy: the behaviours do.
 */
export class RequestPipeline {
  private readonly onRequest: Hooked<'onRequest'>[];
  private readonly onRequestEnd: Hooked<'onRequestEnd'>[];
  private readonly onParams: Hooked<'onParams'>[];
  private readonly onDocument: Hooked<'onDocument'>[];
  private readonly onOperation: Hooked<'onOperation'>[];
  private readonly onResult: Hooked<'onResult'>[];
  private readonly executeHooks: Hooked<'execute'>[];

  constructor(private readonly options: RequestPipelineOptions) {
    const having = <K extends keyof GatewayPlugin>(hook: K) => options.plugins.filter((plugin): plugin is Hooked<K> => plugin[hook] !== undefined);
    this.onRequest = having('onRequest');
    this.onRequestEnd = having('onRequestEnd');
    this.onParams = having('onParams');
    this.onDocument = having('onDocument');
    this.onOperation = having('onOperation');
    this.onResult = having('onResult');
    this.executeHooks = having('execute');
  }

  async run(http: GraphQLHttpRequest): Promise<GraphQLHttpAnswer> {
    const batch = Array.isArray(http.params);
    const paramsList = Array.isArray(http.params) ? http.params : [http.params];
    const request = new GatewayRequest(http.id, http.method, http.headers, paramsList.length);
    const operations = paramsList.map((params) => new OperationRequest(request, params));
    try {
      let results: OperationResult[];
      try {
        await inOrder(this.onRequest, (plugin) => plugin.onRequest(request));
        if (batch) this.checkBatch(paramsList.length);
        results = await Promise.all(operations.map((operation) => this.runOperation(operation)));
      } catch (error) {
        // The whole request is refused: every operation in it shares the refusal.
        const refused = this.refused(error);
        for (const operation of operations) this.report(operation, refused);
        return this.answer(request, [refused], false);
      }
      return this.answer(request, results, batch);
    } finally {
      for (const plugin of this.onRequestEnd) plugin.onRequestEnd(request);
    }
  }

  /** Runs the execute hooks around `execute`, in the order the behaviours are listed. */
  private execute(operation: OperationRequest, executable: Executable): Promise<ExecutionOutcome> {
    const call = (index: number, current: Executable): Promise<ExecutionOutcome> =>
      index === this.executeHooks.length
        ? this.options.execute(operation, current)
        : this.executeHooks[index].execute(operation, current, (next) => call(index + 1, next));
    return call(0, executable);
  }

  private async runOperation(operation: OperationRequest): Promise<OperationResult> {
    let result: OperationResult;
    try {
      result = (await this.prepare(operation)) ?? (await this.executePrepared(operation));
    } catch (error) {
      result = this.refused(error);
    }
    this.report(operation, result);
    return result;
  }

  /**
   * One operation of a long-lived connection (WebSocket, Server-Sent Events): the request's onRequest hooks, then
   * the same checks as over HTTP. A query or mutation is executed and its result returned; a subscription comes
   * back prepared, for the subscription hub to serve, and is reported once it started. Refusals are results.
   */
  async subscribe(request: GatewayRequest, params: GraphQLParams): Promise<{ subscription: OperationRequest } | { result: OperationResult; operation: OperationRequest }> {
    const operation = new OperationRequest(request, params);
    try {
      await inOrder(this.onRequest, (plugin) => plugin.onRequest(request));
      const stopped = await this.prepare(operation);
      if (stopped) {
        this.report(operation, stopped);
        return { result: stopped, operation };
      }
      if (operation.kind === OperationTypeNode.SUBSCRIPTION) {
        this.report(operation, { subscription: 'started' });
        return { subscription: operation };
      }
      const result = await this.executePrepared(operation);
      this.report(operation, result);
      return { result, operation };
    } catch (error) {
      const result = this.refused(error);
      this.report(operation, result);
      return { result, operation };
    } finally {
      for (const plugin of this.onRequestEnd) plugin.onRequestEnd(request);
    }
  }

  /**
   * Runs a query the gateway itself derived from a checked operation (a subscription's event): parsed and
   * validated like any other, then executed through the execute hooks (authorization, deduplication) for the
   * operation's principal. The limits, cost and persisted-operation checks were made on the operation it comes from.
   */
  async executeDerived(operation: OperationRequest): Promise<OperationResult> {
    try {
      operation.schema = this.options.schema();
      const stopped = this.parseAndValidate(operation);
      return stopped ?? (await this.executePrepared(operation));
    } catch (error) {
      return this.refused(error);
    }
  }

  /** Tells the behaviours that a subscription ended, and why. */
  reportSubscriptionEnd(operation: OperationRequest, reason: string): void {
    this.report(operation, { subscription: 'ended', reason });
  }

  /** Every check before execution, in order; a result when the operation stops here (validation, variables). */
  private async prepare(operation: OperationRequest): Promise<OperationResult | undefined> {
    operation.schema = this.options.schema();
    await inOrder(this.onParams, (plugin) => plugin.onParams(operation));
    const stopped = this.parseAndValidate(operation, (entry) => {
      if (operation.request.method === 'GET' && operation.kind !== OperationTypeNode.QUERY) {
        throw refusal(`A ${operation.kind} cannot be sent with GET; send it with POST`, 'METHOD_NOT_ALLOWED', { status: 405, headers: { allow: 'POST' } });
      }
      for (const plugin of this.onDocument) plugin.onDocument(operation, entry);
    });
    if (stopped) return stopped;
    await inOrder(this.onOperation, (plugin) => plugin.onOperation(operation));
    return undefined;
  }

  /** Parses (once per text), selects the operation, runs `onParsed`, validates (once per text and schema) and checks the variables. */
  private parseAndValidate(operation: OperationRequest, onParsed?: (entry: DocumentEntry) => void): OperationResult | undefined {
    const { query, operationName, variables } = operation.params;
    if (typeof query !== 'string' || query.trim() === '') {
      throw refusal('Send a non-empty `query`, or the id of a persisted operation (`documentId`, `extensions.persistedQuery`)', 'BAD_REQUEST', { status: 400 });
    }
    operation.text = query;
    const entry = this.options.documents.get(query);
    operation.queryHash = entry.hash;
    if (!entry.document) throw withStatus(entry.syntaxError!, 400);
    operation.document = entry.document;
    operation.operation = selectOperation(entry.document, operationName);
    onParsed?.(entry);

    const validationErrors = this.options.documents.validate(entry, operation.schema);
    if (validationErrors.length > 0) return { errors: validationErrors, status: 400 };
    const kind = operation.operation.operation;
    if (!operation.schema.api.getRootType(kind)) throw refusal(`This schema has no ${kind} type`, 'GRAPHQL_VALIDATION_FAILED', { status: 400 });
    const coerced = getVariableValues(operation.schema.api, operation.operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 10 });
    if (coerced.errors) return { errors: coerced.errors.map((error) => withCode(error, 'BAD_USER_INPUT')), status: 400 };
    operation.variables = variables ?? {};
    return undefined;
  }

  /** Executes a prepared query or mutation through the execute hooks. */
  private async executePrepared(operation: OperationRequest): Promise<OperationResult> {
    if (operation.kind === OperationTypeNode.SUBSCRIPTION) {
      throw refusal(
        'A subscription is served over WebSocket (graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream), not as a single answer',
        'OPERATION_KIND_NOT_SUPPORTED',
        { status: 400 },
      );
    }
    const outcome = await this.execute(operation, { document: operation.document!, operation: operation.operation!, queryHash: operation.queryHash! });
    return { data: outcome.data ?? (outcome.errors ? null : undefined), errors: outcome.errors };
  }

  private checkBatch(size: number): void {
    const maximum = this.options.batchMaxOperations;
    if (maximum === 0) throw refusal('Array batching is off: send one operation per request', 'BATCHING_NOT_ALLOWED', { status: 400 });
    if (size > maximum) {
      throw refusal(`A batch may hold at most ${maximum} operations; this one has ${size}`, 'BATCH_LIMIT_EXCEEDED', { status: 400 }, { limit: 'batchMaxOperations', value: size, maximum });
    }
  }

  /** A refusal as a result; anything else thrown is a bug, answered as an internal error (and logged by formatError). */
  private refused(error: unknown): OperationResult {
    const http = httpFactsOf(error);
    if (http) return { errors: [error as GraphQLError], status: http.status, headers: http.headers };
    const internal = error instanceof GraphQLError && error.extensions.code === undefined ? error : new GraphQLError('Internal server error', { originalError: error instanceof Error ? error : undefined });
    return { errors: [internal], status: 500 };
  }

  private report(operation: OperationRequest, result: OperationResult): void {
    for (const plugin of this.onResult) {
      try {
        plugin.onResult(operation, result);
      } catch (error) {
        this.options.logger.error({ err: error, plugin: plugin.name, requestId: operation.request.id }, 'a behaviour failed to record a result');
      }
    }
  }

  private answer(request: GatewayRequest, results: OperationResult[], batch: boolean): GraphQLHttpAnswer {
    const formatting = { hideSuggestions: this.options.hideSuggestions, requestId: request.id, logger: this.options.logger };
    const bodies = results.map(({ data, errors }) => ({
      ...(errors && errors.length > 0 ? { errors: errors.map((error) => formatError(error, formatting)) } : {}),
      ...(data !== undefined ? { data } : {}),
    }));
    const headers: Record<string, string> = Object.fromEntries(request.responseHeaders);
    if (batch) return { status: 200, headers, body: bodies, validationFailed: false };
    const [result] = results;
    Object.assign(headers, result.headers ?? {});
    const errors = result.errors ?? [];
    const validationFailed = result.status === 400 && errors.length > 0 && errors.every((error) => codeOf(error) === 'GRAPHQL_VALIDATION_FAILED');
    return { status: result.status ?? 200, headers, body: bodies[0], validationFailed };
  }
}

/** Runs the fetch hooks around `send`, in the order the behaviours are listed. */
export function fetchChain(plugins: readonly GatewayPlugin[]) {
  const hooks = plugins.filter((plugin): plugin is Hooked<'fetch'> => plugin.fetch !== undefined);
  return (fetch: SubgraphFetch, send: (fetch: SubgraphFetch) => Promise<SubgraphResponse>): Promise<SubgraphResponse> => {
    const call = (index: number, current: SubgraphFetch): Promise<SubgraphResponse> =>
      index === hooks.length ? send(current) : hooks[index].fetch(current, (next) => call(index + 1, next));
    return call(0, fetch);
  };
}

/** Runs a hook of each behaviour in order, waiting only for those that return a promise (a microtask turn each). */
async function inOrder<P>(plugins: readonly P[], call: (plugin: P) => void | Promise<void>): Promise<void> {
  for (const plugin of plugins) {
    const pending = call(plugin);
    if (pending) await pending;
  }
}

/** The operation a request runs: the one it names, or the only one. */
function selectOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (operationName) {
    const named = operations.find((operation) => operation.name?.value === operationName);
    if (!named) throw refusal(`Unknown operation named "${operationName}"`, 'OPERATION_RESOLUTION_FAILURE', { status: 400 });
    return named;
  }
  if (operations.length === 1) return operations[0];
  if (operations.length === 0) throw refusal('The document holds no operation to run', 'OPERATION_RESOLUTION_FAILURE', { status: 400 });
  throw refusal('The document holds several operations: say which to run with operationName', 'OPERATION_RESOLUTION_FAILURE', { status: 400 });
}

function withStatus(error: GraphQLError, status: number): GraphQLError {
  return new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { ...error.extensions, http: { status } } });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code } });
}
