import type { IncomingMessage } from 'node:http';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { PreparedRequest } from '../../lib/http-server';
import type { Principal } from '../../lib/principal';
import type { AuditTrail } from './audit';
import type { Authenticator } from './auth/authenticator';
import { withAgreedScopes, type ClientKind, type ClientPolicy } from './client-policy';
import { authenticationFailure, type GatewayContext } from './context';
import { checkLimits, countTokens, measureOperation, type OperationMeasure } from './limits/operation-limits';
import type { GatewayMetrics } from './metrics';
import type { GraphQLRequestBody, PersistedOperations } from './persisted';
import type { RateLimiter } from './rate-limit/rate-limiter';

export interface RequestPipelineOptions {
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  persisted: PersistedOperations | undefined;
  policies: Record<ClientKind, ClientPolicy>;
  metrics: GatewayMetrics;
  audit: AuditTrail;
  /** Operations allowed in one array-batched request; 0: batching is off. */
  batchMaxOperations: number;
  partnerWriteClients: ReadonlySet<string>;
  /** Measures of documents already seen, by operation name and text; bounded. */
  shapeCacheSize?: number;
}

/**
 * Everything the gateway decides before Apollo Server parses a request, cheapest first: who is asking
 * (401), whether their request budget allows it (429), array batching, the persisted operation an id names
 * (or its refusal), then the operation's size and shape against the limits of the client's kind (400). The
 * static cost is decided after validation, by the cost plugin.
 */
export function createRequestPipeline(options: RequestPipelineOptions) {
  const shapes = new Map<string, OperationMeasure | 'unparseable'>();
  const shapeCacheSize = options.shapeCacheSize ?? 1000;

  const measure = (query: string, operationName: string | undefined, policy: ClientPolicy): OperationMeasure | 'unparseable' => {
    const key = `${operationName ?? ''}\u0000${query}`;
    const cached = shapes.get(key);
    options.metrics.cacheLookups.inc({ cache: 'operation_shape', result: cached ? 'hit' : 'miss' });
    if (cached) return cached;
    const tokens = countTokens(query, policy.limits.maxTokens);
    let result: OperationMeasure | 'unparseable';
    if (tokens > policy.limits.maxTokens) {
      // Never parsed: the limit is what protects the parser.
      result = { bytes: Buffer.byteLength(query), tokens, depth: 0, aliases: 0, rootFields: 0, directives: 0, fields: 0 };
    } else {
      let document: DocumentNode | undefined;
      try {
        document = parse(query, { maxTokens: policy.limits.maxTokens });
      } catch {
        // Apollo Server reports the syntax error with its location.
      }
      result = document ? measureOperation(query, document, operationName, tokens) : 'unparseable';
    }
    shapes.set(key, result);
    if (shapes.size > shapeCacheSize) shapes.delete(shapes.keys().next().value!);
    return result;
  };

  const checkShape = (body: GraphQLRequestBody, principal: Principal, policy: ClientPolicy) => {
    if (typeof body.query !== 'string') return;
    const bytes = Buffer.byteLength(body.query);
    const tooLarge = checkLimits({ bytes }, policy.limits, principal.kind);
    if (tooLarge) throw rejected(tooLarge, options.metrics);
    const shape = measure(body.query, body.operationName, policy);
    if (shape === 'unparseable') return;
    const error = checkLimits(shape, policy.limits, principal.kind);
    if (error) throw rejected(error, options.metrics);
  };

  return async (request: IncomingMessage, input: { body: unknown; search: string; requestId: string }): Promise<PreparedRequest<GatewayContext>> => {
    const startedAt = Date.now();
    let principal: Principal | undefined;
    try {
      principal = await authenticated(request, input.requestId, startedAt);
      return await prepare(principal, input);
    } catch (error) {
      if (principal && error instanceof GraphQLError) options.audit.rejected(principal, input.requestId, String(error.extensions.code), startedAt);
      throw error;
    }
  };

  async function authenticated(request: IncomingMessage, requestId: string, startedAt: number): Promise<Principal> {
    try {
      return withAgreedScopes(await options.authenticator.authenticate(request.headers.authorization), options.partnerWriteClients);
    } catch (error) {
      options.metrics.rejections.inc({ reason: 'unauthenticated' });
      options.audit.unauthenticated(requestId, startedAt);
      throw authenticationFailure(error, request.headers.authorization);
    }
  }

  async function prepare(principal: Principal, input: { body: unknown; search: string; requestId: string }): Promise<PreparedRequest<GatewayContext>> {
    const { error: rateLimited, headers: rateLimitHeaders } = await options.rateLimiter.chargeRequest(principal);
    if (rateLimited) throw rejected(rateLimited, options.metrics, 'rate_limit');
    const policy = options.policies[principal.kind];
    const context: GatewayContext = { principal, requestId: input.requestId, rateLimitHeaders };

    if (Array.isArray(input.body)) {
      if (options.batchMaxOperations === 0) {
        throw rejected(new GraphQLError('Array batching is off: send one operation per request', { extensions: { code: 'BATCHING_NOT_ALLOWED', http: { status: 400 } } }), options.metrics, 'batching');
      }
      if (input.body.length > options.batchMaxOperations) {
        throw rejected(
          new GraphQLError(`A batch may hold at most ${options.batchMaxOperations} operations; this one has ${input.body.length}`, {
            extensions: { code: 'BATCH_LIMIT_EXCEEDED', limit: 'batchMaxOperations', value: input.body.length, maximum: options.batchMaxOperations, http: { status: 400 } },
          }),
          options.metrics,
          'batchMaxOperations',
        );
      }
      const bodies = input.body.map((item) => prepareBody(item as GraphQLRequestBody, principal, policy, context));
      return { body: bodies, search: input.search, context };
    }

    if (input.body === undefined) {
      const body = prepareBody(fromSearch(input.search), principal, policy, context);
      return { body: undefined, search: toSearch(body), context };
    }
    return { body: prepareBody(input.body as GraphQLRequestBody, principal, policy, context), search: input.search, context };
  }

  function prepareBody(body: GraphQLRequestBody, principal: Principal, policy: ClientPolicy, context: GatewayContext): GraphQLRequestBody {
    if (body === null || typeof body !== 'object') return body;
    let resolved = body;
    if (options.persisted) {
      try {
        const result = options.persisted.resolve(body, principal);
        resolved = result.body;
        if (result.persistedOperationId) context.persistedOperationId = result.persistedOperationId;
      } catch (error) {
        if (error instanceof GraphQLError) throw rejected(error, options.metrics, 'persisted_operations');
        throw error;
      }
    }
    checkShape(resolved, principal, policy);
    return resolved;
  }
}

function rejected(error: GraphQLError, metrics: GatewayMetrics, reason = String(error.extensions.limit ?? error.extensions.code)): GraphQLError {
  metrics.rejections.inc({ reason });
  return error;
}

/** A GET request's parameters as a request body (GraphQL over HTTP and Apollo's APQ over GET). */
function fromSearch(search: string): GraphQLRequestBody {
  const params = new URLSearchParams(search);
  const body: GraphQLRequestBody = {};
  const json = (name: string) => {
    const value = params.get(name);
    if (value === null) return undefined;
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      throw new GraphQLError(`The ${name} parameter is not valid JSON`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
    }
  };
  if (params.has('query')) body.query = params.get('query')!;
  if (params.has('operationName')) body.operationName = params.get('operationName')!;
  if (params.has('documentId')) body.documentId = params.get('documentId')!;
  if (params.has('doc_id')) body.doc_id = params.get('doc_id')!;
  body.variables = json('variables');
  body.extensions = json('extensions');
  return body;
}

function toSearch(body: GraphQLRequestBody): string {
  const params = new URLSearchParams();
  if (body.query !== undefined) params.set('query', body.query);
  if (body.operationName !== undefined) params.set('operationName', body.operationName);
  if (body.variables !== undefined) params.set('variables', JSON.stringify(body.variables));
  if (body.extensions !== undefined && Object.keys(body.extensions).length > 0) params.set('extensions', JSON.stringify(body.extensions));
  const text = params.toString();
  return text ? `?${text}` : '';
}
