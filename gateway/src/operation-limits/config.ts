import type { ClientKind } from '../../../lib/principal';
import { perKindSettings, type ClientPolicyOverrides } from '../client-policies';

/** Bounds on one operation, per client kind: the size and shape of its document, and the lists in its inputs. */
export interface OperationLimits {
  maxBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  /** Fields once fragments are expanded: what a small document with nested fragment spreads really asks for. */
  maxFields: number;
  /** Items in any one list of the inputs (a list variable, a list literal, a list inside an input object). */
  maxListLength: number;
  /** List items in all of an operation's inputs together. */
  maxListItems: number;
  /** Lists and input objects nested in a variable: no input of the schema nests deeper than a few levels. */
  maxInputDepth: number;
}

/**
 * Partners get the tightest bounds: they run only agreed operations, and the bounds are there for the day a
 * manifest lists a heavy one. Override any of them with CLIENT_POLICIES, e.g. {"partner": {"limits": {"maxDepth": 10}}}.
 */
export const DEFAULT_OPERATION_LIMITS: Readonly<Record<ClientKind, OperationLimits>> = {
  user: { maxBytes: 20_000, maxTokens: 2_000, maxDepth: 12, maxAliases: 30, maxRootFields: 10, maxDirectives: 20, maxFields: 1_500, maxListLength: 100, maxListItems: 1_000, maxInputDepth: 16 },
  script: { maxBytes: 20_000, maxTokens: 2_000, maxDepth: 12, maxAliases: 30, maxRootFields: 10, maxDirectives: 20, maxFields: 1_500, maxListLength: 100, maxListItems: 1_000, maxInputDepth: 16 },
  partner: { maxBytes: 10_000, maxTokens: 1_000, maxDepth: 8, maxAliases: 10, maxRootFields: 5, maxDirectives: 10, maxFields: 500, maxListLength: 50, maxListItems: 200, maxInputDepth: 10 },
};

export function readOperationLimits(overrides: ClientPolicyOverrides): Record<ClientKind, OperationLimits> {
  return perKindSettings(DEFAULT_OPERATION_LIMITS, overrides, 'limits');
}
