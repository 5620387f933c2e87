import type { IncomingHttpHeaders } from 'node:http';
import type { DocumentNode, GraphQLError, OperationDefinitionNode } from 'graphql';
import type { Principal } from '../../../lib/principal';
import type { ServedSchema } from './served-schema';

/**
 * An operation as a client sends it, in any of the forms GraphQL over HTTP, Apollo (APQ) and Relay use.
 * It is read once from the HTTP request (the query string of a GET, the body of a POST) and never again.
 */
export interface GraphQLParams {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  /** GraphQL over HTTP: `sha256:<hex>` or an id of the manifest. */
  documentId?: string;
  /** Relay's name for documentId. */
  doc_id?: string;
}

/** One HTTP request to /graphql, as every behaviour sees it: one value, read once, never the raw request. */
export class GatewayRequest {
  /** Set by authentication; every later hook may rely on it. */
  principal: Principal | undefined;
  /** Headers the answer carries, whatever it is (RateLimit, CORS); set by behaviours. */
  readonly responseHeaders = new Map<string, string>();
  /** When the caller's credentials expire (epoch ms), set by authentication: a subscription ends then. */
  credentialsExpireAt: number | undefined;
  readonly startedAt = performance.now();
  private readonly sharingListeners: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly method: 'GET' | 'POST',
    /** The request's headers, for behaviours that read credentials or client hints. Never its body or URL. */
    readonly headers: Readonly<IncomingHttpHeaders>,
    /** Operations in this request: one, or several when the client sent an array (batching). */
    readonly batchSize: number,
  ) {}

  /** The principal; only hooks that run after authentication may ask. */
  get caller(): Principal {
    if (!this.principal) throw new Error('no principal: authentication must run first');
    return this.principal;
  }

  /** Calls `listener` if this request's execution joins an identical one in flight (deduplication). */
  whenSharing(listener: () => void): void {
    this.sharingListeners.push(listener);
  }

  /** This request's execution joined an identical one in flight: it does no work of its own from now on. */
  sharing(): void {
    for (const listener of this.sharingListeners.splice(0)) listener();
  }
}

/**
 * One operation of a request, from the params the client sent to the result it gets. The pipeline fills in
 * what it decides (document, operation, schema); behaviours fill in what they decide (the persisted id, the
 * cost, the fields authorization granted and denied), and later ones read it.
 */
export class OperationRequest {
  /** The document's text, once it is known: sent by the client, or looked up by a persisted id. */
  text: string | undefined;
  /** The schema this operation is validated, planned and authorized against, even if a reload happens meanwhile. */
  schema!: ServedSchema;
  document: DocumentNode | undefined;
  operation: OperationDefinitionNode | undefined;
  /** SHA-256 of the text: what plans, decisions and shared executions are keyed by. */
  queryHash: string | undefined;
  /** The variables the client sent, checked against the operation's definitions before any behaviour reads them. */
  variables: Record<string, unknown> = {};
  /** The manifest id of a listed operation, for the audit trail and metrics. */
  persistedOperationId: string | undefined;
  /** The static cost estimate, once cost has decided it. */
  cost: number | undefined;
  /** Protected field coordinates this operation read ("User.email"), for the audit trail. */
  grantedFields: string[] = [];
  /** Protected field coordinates removed from it, for the audit trail. */
  deniedFields: string[] = [];

  constructor(
    readonly request: GatewayRequest,
    /** What the client sent; a behaviour may replace it once (a persisted id resolved to its document). */
    public params: GraphQLParams,
  ) {}

  get principal(): Principal {
    return this.request.caller;
  }

  get operationName(): string | undefined {
    return this.operation?.name?.value ?? this.params.operationName;
  }

  get kind(): OperationDefinitionNode['operation'] | undefined {
    return this.operation?.operation;
  }
}

/** What an operation produced: data and errors for the client, and the HTTP status when it was refused. */
export interface OperationResult {
  /** A subscription's life: it started (checked and registered), or it ended (with the reason). */
  subscription?: 'started' | 'ended';
  /** Why a subscription ended: the client completed it, the token expired, the client fell behind, shutdown. */
  reason?: string;
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLError[];
  /** Set when the operation was refused before it ran; the request is answered with this status. */
  status?: number;
  /** Headers a refusal asks for (Retry-After, Allow). */
  headers?: Readonly<Record<string, string>>;
}
