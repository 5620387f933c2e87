import { Kind, OperationTypeNode, print, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { sha256Hex } from '../pipeline/documents';
import { refusal } from '../pipeline/errors';
import type { Executable, GatewayPlugin } from '../pipeline/plugin';
import type { ServedSchema } from '../pipeline/served-schema';
import { authorizeOperation, type Removal } from './authorize-operation';
import type { Policy } from './policies';
import { readRequirements, type Requirement, type RequirementMap } from './requirements';
import { restoreRemovedFields, UNAUTHORIZED_CODE, unauthorizedErrors } from './restore-removed';

/** filter: drop what may not be read and answer the rest; reject: refuse the operation; dry-run: only log. */
export const AUTHORIZATION_MODES = ['filter', 'reject', 'dry-run'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

export interface AuthorizationOptions {
  mode: AuthorizationMode;
  policies: Readonly<Record<string, Policy>>;
  logger: Logger;
  /** Decisions kept per schema, by (operation, scope set); least recently used first out. */
  decisionCacheSize?: number;
  /** Called on every look-up in the decision cache, for metrics. */
  onDecisionLookup?: (result: 'hit' | 'miss') => void;
}

export interface AuthorizationPlugin extends GatewayPlugin {
  /** The requirement written on a field coordinate ("User.email") in the supergraph served now. */
  requirementOf(coordinate: string): Requirement | undefined;
}

interface Decision {
  /** What runs instead: the operation without the removed fields; null when nothing is left to run. */
  rewritten: Executable | null;
  removals: Removal[];
  granted: string[];
  /** Coordinates of the reported removals, for the audit trail. */
  denied: string[];
}

interface SchemaState {
  requirements: RequirementMap;
  decisions: LRUCache<string, Decision>;
}

/**
 * Enforces `@authenticated`, `@requiresScopes` and `@policy` from the supergraph with Apollo Router's semantics,
 * before the query planner sees the operation: every field the caller may not read is removed, the rest is
 * planned and executed (plans are cached by the rewritten document, so callers with equal scopes share them),
 * and null plus one UNAUTHORIZED_FIELD_OR_TYPE error per field is put back at those paths. Decisions are cached
 * per schema by document and by everything the decision depends on: the scopes and each policy's answer.
 */
export function useAuthorization(options: AuthorizationOptions): AuthorizationPlugin {
  const states = new WeakMap<ServedSchema, SchemaState>();
  let current: SchemaState | undefined;
  const stateOf = (schema: ServedSchema): SchemaState => {
    let state = states.get(schema);
    if (!state) {
      state = { requirements: readRequirements(schema.supergraphSdl), decisions: new LRUCache({ max: options.decisionCacheSize ?? 2000 }) };
      states.set(schema, state);
    }
    return state;
  };

  // Per principal object: authentication hands every request with one token the same frozen principal.
  const grantKeys = new WeakMap<Principal, string>();
  const grantKey = (principal: Principal): string => {
    let key = grantKeys.get(principal);
    if (key === undefined) {
      const policies = Object.entries(options.policies).map(([name, policy]) => (policy(principal) ? name : '')).join(',');
      grantKeys.set(principal, (key = `${[...principal.scopes].sort().join(' ')}|${policies}`));
    }
    return key;
  };

  const decide = (state: SchemaState, schema: ServedSchema, executable: Executable, principal: Principal): Decision => {
    const operationName = executable.operation.name?.value;
    const key = `${executable.queryHash}\u0000${operationName ?? ''}\u0000${grantKey(principal)}`;
    const cached = state.decisions.get(key);
    options.onDecisionLookup?.(cached ? 'hit' : 'miss');
    if (cached) return cached;
    const outcome = authorizeOperation(schema.api, executable.document, executable.operation, state.requirements, (requirement) => satisfies(requirement, principal, options.policies));
    let rewritten: Executable | null = executable;
    if (outcome.document === null) rewritten = null;
    else if (outcome.document !== executable.document) {
      // The rewritten document holds the one operation that runs, its fragments inlined.
      const operation = outcome.document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
      rewritten = { document: outcome.document, operation, queryHash: sha256Hex(print(outcome.document)) };
    }
    const denied = [...new Set(outcome.removals.filter((removal) => removal.reported).map((removal) => removal.coordinate))];
    const decision: Decision = { rewritten, removals: outcome.removals, granted: outcome.granted, denied };
    state.decisions.set(key, decision);
    return decision;
  };

  return {
    name: 'authorization',
    onSchema(schema) {
      current = stateOf(schema);
    },
    requirementOf: (coordinate) => current?.requirements.get(coordinate),
    /**
     * A subscription the caller may not read at all is refused when it subscribes, not answered with an
     * unauthorized null at every event (in reject mode, one with any field it may not read). Its fields within
     * are authorized at each event, as a query's are.
     */
    onOperation(operation) {
      if (operation.kind !== OperationTypeNode.SUBSCRIPTION || options.mode === 'dry-run') return;
      const executable = { document: operation.document!, operation: operation.operation!, queryHash: operation.queryHash! };
      const decision = decide(stateOf(operation.schema), operation.schema, executable, operation.principal);
      const refused = decision.removals.filter((removal) => removal.reported && (options.mode === 'reject' || removal.path.length === 1));
      if (refused.length === 0) return;
      const [error] = unauthorizedErrors(refused);
      throw refusal(`${error.message}: this subscription needs scopes the token lacks`, UNAUTHORIZED_CODE, { status: 403 }, { ...error.extensions, code: UNAUTHORIZED_CODE, path: refused[0].path });
    },
    async execute(operation, executable, next) {
      const decision = decide(stateOf(operation.schema), operation.schema, executable, operation.principal);
      operation.grantedFields = decision.granted;
      if (decision.removals.length === 0) return next(executable);
      operation.deniedFields = decision.denied;
      if (options.mode === 'dry-run') {
        options.logger.warn({ operationName: operation.operationName, deniedFields: decision.denied }, 'authorization dry run: fields would be removed');
        return next(executable);
      }
      const errors = unauthorizedErrors(decision.removals);
      if (options.mode === 'reject') return { errors };
      const result = decision.rewritten ? await next(decision.rewritten) : { data: {} };
      return { ...result, data: restoreRemovedFields(result.data, decision.removals), errors: [...errors, ...(result.errors ?? [])] };
    },
  };
}

export function satisfies(requirement: Requirement, principal: Principal | undefined, policies: Readonly<Record<string, Policy>>): boolean {
  if (requirement.authenticated && !principal) return false;
  if (requirement.scopes && !requirement.scopes.some((all) => all.every((scope) => principal?.scopes.includes(scope)))) return false;
  if (requirement.policies && !requirement.policies.some((all) => all.every((name) => principal !== undefined && policies[name]?.(principal) === true))) {
    return false;
  }
  return true;
}
