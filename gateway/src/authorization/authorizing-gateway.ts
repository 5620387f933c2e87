import { createHash } from 'node:crypto';
import type { GatewayExecutionResult, GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { print, type GraphQLSchema } from 'graphql';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { WrappingGateway } from '../wrapping-gateway';
import { authorizeOperation, type AuthorizationDecision } from './authorize-operation';
import type { Policy } from './policies';
import { readRequirements, type Requirement, type RequirementMap } from './requirements';
import { restoreRemovedFields, unauthorizedErrors } from './restore-removed';

/** filter: drop what may not be read and answer the rest; reject: refuse the operation; dry-run: only log. */
export const AUTHORIZATION_MODES = ['filter', 'reject', 'dry-run'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

/** What the request context must carry for authorization, and what it learns for the audit trail. */
export interface AuthorizationContext {
  principal: Principal;
  /** Protected field coordinates removed for this request ("User.email"); written by the executor. */
  deniedFields?: string[];
  /** Protected field coordinates this request read; written by the executor. */
  grantedFields?: string[];
}

export interface AuthorizingGatewayOptions {
  mode: AuthorizationMode;
  policies: Readonly<Record<string, Policy>>;
  logger: Logger;
  /** Decisions kept per (operation, scope set); bounded, least recently used first out. */
  decisionCacheSize?: number;
  /** Called on every look-up in the decision cache, for metrics. */
  onDecisionLookup?: (result: 'hit' | 'miss') => void;
}

interface SchemaState {
  schema: GraphQLSchema;
  requirements: RequirementMap;
  decisions: Map<string, CachedDecision>;
}

interface CachedDecision extends AuthorizationDecision {
  queryHash: string;
  /** Coordinates of the reported removals, for the audit trail. */
  denied: string[];
}

/**
 * Apollo Server accepts any gateway; this one wraps `@apollo/gateway` and enforces `@authenticated`,
 * `@requiresScopes` and `@policy` from the supergraph, with Apollo Router's semantics, before the inner
 * gateway plans: the operation is rewritten without the fields the caller may not read, planned and
 * executed (plans are cached by the rewritten document, so callers with equal scopes share them), and
 * null plus one error per field is put back at those paths.
 */
export class AuthorizingGateway extends WrappingGateway<AuthorizationContext> {
  private state: SchemaState | undefined;
  private readonly decisionCacheSize: number;

  constructor(
    inner: GatewayInterface,
    private readonly options: AuthorizingGatewayOptions,
  ) {
    super(inner);
    this.decisionCacheSize = options.decisionCacheSize ?? 2000;
    // Registered first, so the requirements always match the schema that requests are served with.
    inner.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      this.state = { schema: apiSchema, requirements: readRequirements(coreSupergraphSdl), decisions: new Map() };
    });
  }

  /** The requirement written on a field coordinate ("User.email") in the current supergraph. */
  requirementOf(coordinate: string): Requirement | undefined {
    return this.state?.requirements.get(coordinate);
  }

  protected async execute(executor: GatewayExecutor, requestContext: GatewayGraphQLRequestContext<AuthorizationContext>): Promise<GatewayExecutionResult> {
    const state = this.state;
    if (!state) return executor(requestContext);
    const principal = requestContext.context.principal;
    const decision = this.decide(state, requestContext, principal);
    requestContext.context.grantedFields = decision.granted;
    if (decision.removals.length === 0) return executor(requestContext);

    requestContext.context.deniedFields = decision.denied;
    if (this.options.mode === 'dry-run') {
      this.options.logger.warn({ operationName: requestContext.operationName, deniedFields: requestContext.context.deniedFields }, 'authorization dry run: fields would be removed');
      return executor(requestContext);
    }
    const errors = unauthorizedErrors(decision.removals);
    if (this.options.mode === 'reject') return { errors };
    const result = decision.document
      ? await executor({ ...requestContext, document: decision.document, queryHash: decision.queryHash })
      : { data: {} };
    return { ...result, data: restoreRemovedFields(result.data, decision.removals), errors: [...errors, ...(result.errors ?? [])] };
  }

  private decide(state: SchemaState, requestContext: GatewayGraphQLRequestContext<AuthorizationContext>, principal: Principal): CachedDecision {
    const isSatisfied = (requirement: Requirement) => satisfies(requirement, principal, this.options.policies);
    const key = `${requestContext.queryHash}\u0000${requestContext.operationName ?? ''}\u0000${this.grantKey(principal)}`;
    const cached = state.decisions.get(key);
    this.options.onDecisionLookup?.(cached ? 'hit' : 'miss');
    if (cached) {
      state.decisions.delete(key);
      state.decisions.set(key, cached);
      return cached;
    }
    const decision = authorizeOperation(state.schema, requestContext.document, requestContext.operationName, state.requirements, isSatisfied);
    const queryHash = decision.document && decision.document !== requestContext.document
      ? createHash('sha256').update(print(decision.document)).digest('hex')
      : requestContext.queryHash;
    const denied = [...new Set(decision.removals.filter((r) => r.reported).map((r) => r.coordinate))];
    const entry = { ...decision, queryHash, denied };
    state.decisions.set(key, entry);
    if (state.decisions.size > this.decisionCacheSize) state.decisions.delete(state.decisions.keys().next().value!);
    return entry;
  }

  /** Everything a decision depends on: the scopes, and each policy's answer for this principal. */
  private grantKey(principal: Principal): string {
    const policies = Object.entries(this.options.policies).map(([name, policy]) => (policy(principal) ? name : '')).join(',');
    return `${[...principal.scopes].sort().join(' ')}|${policies}`;
  }
}

export function satisfies(requirement: Requirement, principal: Principal | undefined, policies: Readonly<Record<string, Policy>>): boolean {
  if (requirement.authenticated && !principal) return false;
  if (requirement.scopes && !requirement.scopes.some((all) => all.every((scope) => principal?.scopes.includes(scope)))) return false;
  if (requirement.policies && !requirement.policies.some((all) => all.every((name) => principal !== undefined && policies[name]?.(principal) === true))) {
    return false;
  }
  return true;
}
