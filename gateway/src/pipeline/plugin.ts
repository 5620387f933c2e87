import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { DocumentNode, ExecutionResult, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import type { DocumentEntry } from './documents';
import type { RequestPipeline } from './pipeline';
import type { GatewayRequest, OperationRequest, OperationResult } from './request';
import type { ServedSchema } from './served-schema';

/** What runs: the operation as validated, or as a behaviour rewrote it (authorization removes fields). */
export interface Executable {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Identifies the document: equal executables share plans and, when deduplicated, executions. */
  readonly queryHash: string;
}

export type ExecutionOutcome = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;

/** One request from the gateway to a subgraph, as the query plan asks for it. */
export interface SubgraphFetch {
  readonly subgraph: string;
  readonly url: string;
  /** The plan's own knowledge of the fetch: a query may be retried and shared, a mutation never. */
  readonly operationKind: OperationTypeNode;
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Headers sent with the fetch; behaviours add theirs (the signed principal, the request id). */
  readonly headers: Record<string, string>;
  /** The client's operation this fetch serves. */
  readonly operation: OperationRequest;
  /** Aborts the fetch (its deadline); behaviours may narrow it. */
  signal?: AbortSignal;
}

export type SubgraphResponse = GatewayGraphQLResponse;

/** What a behaviour may use of the running gateway once it starts: for those that run operations themselves. */
export interface StartedGateway {
  /** Runs operations of long-lived connections, and queries the gateway derives from them (subscriptions). */
  pipeline: RequestPipeline;
  /** The URL of each subgraph of the supergraph served now, by name. */
  subgraphUrls(): Record<string, string>;
}

/** An HTTP request to the gateway before it is a GraphQL request: for behaviours that serve other paths. */
export interface HttpExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  /** Headers every answer to this request carries, whoever writes it (CORS). */
  readonly responseHeaders: Map<string, string>;
}

/**
 * A gateway behaviour: one module (authentication, cost, audit, ...) with its configuration and the hooks
 * it needs into a request's life. `server.ts` lists the behaviours; the pipeline calls each hook in that
 * order (docs/architecture.md draws it). A hook refuses by throwing a refusal (pipeline/errors.ts); nothing
 * after it runs, and every behaviour's onResult still sees the outcome.
 */
export interface GatewayPlugin {
  readonly name: string;
  /** A supergraph is now served (at start and after every reload); derive what the behaviour needs from it. */
  onSchema?(schema: ServedSchema): void;
  /** Once the first supergraph is served, before the gateway listens: load what the behaviour needs; a throw stops the start. */
  onStart?(schema: ServedSchema, gateway: StartedGateway): void | Promise<void>;
  /** Before /graphql is read: answer the exchange (return true) or add response headers. */
  onHttp?(exchange: HttpExchange): boolean | Promise<boolean>;
  /** An HTTP upgrade (WebSocket): take it (return true), or leave it to the next behaviour. */
  onUpgrade?(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Once per HTTP request, before any document work: who asks, and whether they may ask now. */
  onRequest?(request: GatewayRequest): void | Promise<void>;
  /** Once per HTTP request, after it was answered (also when it was refused): release what onRequest took. */
  onRequestEnd?(request: GatewayRequest): void;
  /** The operation's params, before its text is parsed: resolve a persisted id, check the text's size. */
  onParams?(operation: OperationRequest): void | Promise<void>;
  /** Parsed, before validation: check the document's shape (depth, aliases, directives). */
  onDocument?(operation: OperationRequest, entry: DocumentEntry): void;
  /** Validated, variables checked, before execution: introspection, input sizes, cost. */
  onOperation?(operation: OperationRequest): void | Promise<void>;
  /** Around execution: run it (`next`), share it, or run a rewritten executable. */
  execute?(operation: OperationRequest, executable: Executable, next: (executable: Executable) => Promise<ExecutionOutcome>): Promise<ExecutionOutcome>;
  /** Around each subgraph fetch of the query plan. */
  fetch?(fetch: SubgraphFetch, next: (fetch: SubgraphFetch) => Promise<SubgraphResponse>): Promise<SubgraphResponse>;
  /** The operation's outcome, refused or executed: record it (audit, metrics). */
  onResult?(operation: OperationRequest, result: OperationResult): void;
  /** Part of the gateway's stop: after requests in flight finished. Safe to call twice. */
  close?(): Promise<void>;
}
