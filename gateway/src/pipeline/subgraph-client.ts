import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, OperationTypeNode, type DocumentNode } from 'graphql';
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from '../../../lib/logger';
import type { SubgraphFetch, SubgraphResponse } from './plugin';
import type { OperationRequest } from './request';
import { errorCode, SubgraphRequestError } from './subgraph-errors';

/** Runs one fetch through the behaviours' fetch hooks, down to the HTTP call. */
export type FetchChain = (fetch: SubgraphFetch, send: (fetch: SubgraphFetch) => Promise<SubgraphResponse>) => Promise<SubgraphResponse>;

export interface SubgraphClientOptions {
  subgraph: string;
  url: string;
  chain: FetchChain;
  logger: Logger;
}

/** Connections kept to one subgraph; further calls queue for one. */
const POOL_CONNECTIONS = 32;
const CONNECT_TIMEOUT_MS = 2_000;
/** How long an idle connection is kept when the subgraph does not say (Keep-Alive: timeout). */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/**
 * The gateway's client for one subgraph: what `@apollo/gateway` calls for every fetch of a query plan. It
 * hands each fetch to the behaviours (signing, deduplication, deadlines, retries, the breaker), then sends
 * it over a keep-alive pool of its own. Operations only: the gateway never asks a subgraph for its schema.
 */
export class SubgraphClient implements GraphQLDataSource {
  private readonly agent = new Agent({ connections: POOL_CONNECTIONS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connect: { timeout: CONNECT_TIMEOUT_MS } });
  private readonly target: URL;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SubgraphClientOptions) {
    this.target = new URL(options.url);
  }

  get subgraph(): string {
    return this.options.subgraph;
  }

  get url(): string {
    return this.options.url;
  }

  async process(options: GraphQLDataSourceProcessOptions): Promise<SubgraphResponse> {
    // Only fetches of a client's operation: the gateway loads its supergraph from a file and never asks a subgraph for it.
    if (!('incomingRequestContext' in options)) throw new Error(`the gateway does not send "${options.kind}" requests to subgraphs`);
    const { query, operationName, variables } = options.request;
    const fetch: SubgraphFetch = {
      subgraph: this.options.subgraph,
      url: this.options.url,
      operationKind: operationKindOf(options.document),
      query: query ?? '',
      operationName,
      variables: variables ?? {},
      headers: {},
      operation: options.context as unknown as OperationRequest,
    };
    return this.options.chain(fetch, (ready) => this.send(ready));
  }

  /** Lets calls in flight finish and closes the pool. Safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= this.agent.close());
  }

  private async send(fetch: SubgraphFetch): Promise<SubgraphResponse> {
    const { subgraph } = this.options;
    let answer: Dispatcher.ResponseData;
    let body: string;
    try {
      answer = await this.agent.request({
        origin: this.target.origin,
        path: this.target.pathname + this.target.search,
        method: 'POST',
        headers: { ...fetch.headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: fetch.query, operationName: fetch.operationName, variables: fetch.variables }),
        signal: fetch.signal,
      });
      // Read here, under the same signal, so that a subgraph that stalls in the middle of its body is cut too.
      body = await answer.body.text();
    } catch (error) {
      if (fetch.signal?.aborted) throw fetch.signal.reason instanceof SubgraphRequestError ? fetch.signal.reason : error;
      throw new SubgraphRequestError(subgraph, 'unreachable', `Request to subgraph "${subgraph}" failed (${errorCode(error) ?? 'unknown error'})`, { cause: error });
    }
    if (answer.statusCode >= 400) {
      this.options.logger.error(
        { subgraph, status: answer.statusCode, requestId: fetch.operation.request.id },
        answer.statusCode === 401
          ? 'a subgraph refused the signed principal: do the gateway and the subgraph share PRINCIPAL_SECRET?'
          : 'a subgraph answered with an HTTP error',
      );
      throw new SubgraphRequestError(subgraph, 'http_error', `Subgraph "${subgraph}" answered HTTP ${answer.statusCode}`, { status: answer.statusCode });
    }
    let response: unknown;
    try {
      response = JSON.parse(body);
    } catch (error) {
      throw badResponse(subgraph, error);
    }
    if (typeof response !== 'object' || response === null || (!('data' in response) && !('errors' in response))) throw badResponse(subgraph);
    return response as SubgraphResponse;
  }
}

function badResponse(subgraph: string, cause?: unknown): SubgraphRequestError {
  return new SubgraphRequestError(subgraph, 'bad_response', `Subgraph "${subgraph}" answered with a body that is not a GraphQL response`, { cause });
}

/** The fetch's operation kind, from the document the query planner built for it (exposeDocumentNodeInFetchNode). */
function operationKindOf(document: DocumentNode | undefined): OperationTypeNode {
  for (const definition of document?.definitions ?? []) {
    if (definition.kind === Kind.OPERATION_DEFINITION) return definition.operation;
  }
  // Never reached with the planner's documents; a fetch of unknown kind is treated as the unsafe kind.
  return OperationTypeNode.MUTATION;
}
