import { buildSchema, execute, getOperationAST, parse } from 'graphql';
import pino from 'pino';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { DocumentCache } from './documents';
import { RequestPipeline, type GraphQLHttpAnswer, type RequestPipelineOptions } from './pipeline';
import type { ExecutionOutcome, GatewayPlugin } from './plugin';
import { GatewayRequest, OperationRequest, type GraphQLParams } from './request';
import type { ServedSchema } from './served-schema';
import { sha256Hex } from './documents';

/** Shared by the tests of the gateway's behaviours: requests, operations and a pipeline without HTTP or subgraphs. */

export const silentLogger: Logger = pino({ level: 'silent' });

/** A pino logger whose lines the test can read. */
export function recordingLogger(level = 'debug'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export function principal(overrides: Partial<Principal> = {}): Principal {
  return { sub: 'alice', tenant: 'acme', kind: 'user', scopes: [], ...overrides };
}

let generations = 0;

/** A schema as the gateway serves it; each call is a new generation, as a reload would be. */
export function servedSchema(sdl: string): ServedSchema {
  return { generation: ++generations, api: buildSchema(sdl), supergraphSdl: sdl };
}

/** An HTTP request as authentication leaves it (or before it, without a principal). */
export function gatewayRequest(who?: Principal, options: { id?: string; method?: 'GET' | 'POST'; batchSize?: number } = {}): GatewayRequest {
  const request = new GatewayRequest(options.id ?? 'req-1', options.method ?? 'POST', {}, options.batchSize ?? 1);
  request.principal = who;
  return request;
}

/** An operation as the pipeline hands it to onOperation and execute: parsed, selected, its variables checked. */
export function preparedOperation(
  query: string,
  options: { principal?: Principal; schema: ServedSchema; variables?: Record<string, unknown>; operationName?: string; request?: GatewayRequest },
): OperationRequest {
  const operation = new OperationRequest(options.request ?? gatewayRequest(options.principal ?? principal()), {
    query,
    operationName: options.operationName,
    variables: options.variables,
  });
  const document = parse(query);
  operation.schema = options.schema;
  operation.text = query;
  operation.queryHash = sha256Hex(query);
  operation.document = document;
  operation.operation = getOperationAST(document, options.operationName) ?? undefined;
  operation.variables = options.variables ?? {};
  return operation;
}

/** Sets the request's principal: authentication, without tokens. */
export function usePrincipal(who: Principal | ((request: GatewayRequest) => Principal)): GatewayPlugin {
  return {
    name: 'test-principal',
    onRequest(request) {
      request.principal = typeof who === 'function' ? who(request) : who;
    },
  };
}

export interface TestPipeline {
  pipeline: RequestPipeline;
  documents: DocumentCache;
  /** Runs one HTTP request's params through the pipeline. */
  run(params: GraphQLParams | GraphQLParams[], options?: { method?: 'GET' | 'POST'; id?: string }): Promise<GraphQLHttpAnswer>;
}

/**
 * The request pipeline with these behaviours, over a schema that graphql-js executes with `rootValue` (or
 * `execute` when given): a request's whole life, from its params to its answer, without HTTP or subgraphs.
 */
export function testPipeline(
  options: Partial<Omit<RequestPipelineOptions, 'schema' | 'execute'>> & {
    schema: ServedSchema | (() => ServedSchema);
    rootValue?: unknown;
    execute?: RequestPipelineOptions['execute'];
  },
): TestPipeline {
  const documents = options.documents ?? new DocumentCache({ maxTokens: 10_000 });
  const schema = typeof options.schema === 'function' ? options.schema : () => options.schema as ServedSchema;
  const pipeline = new RequestPipeline({
    plugins: options.plugins ?? [],
    documents,
    schema,
    execute:
      options.execute ??
      (async (operation, executable) =>
        (await execute({
          schema: operation.schema.api,
          document: executable.document,
          operationName: operation.operationName,
          variableValues: operation.variables,
          rootValue: options.rootValue,
        })) as ExecutionOutcome),
    batchMaxOperations: options.batchMaxOperations ?? 0,
    hideSuggestions: options.hideSuggestions ?? false,
    logger: options.logger ?? silentLogger,
  });
  let requests = 0;
  return {
    pipeline,
    documents,
    run: (params, runOptions = {}) => pipeline.run({ id: runOptions.id ?? `req-${++requests}`, method: runOptions.method ?? 'POST', headers: {}, params }),
  };
}
