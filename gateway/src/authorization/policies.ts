import type { Principal } from '../../../lib/principal';

/**
 * Named policies for `@policy(policies: [[...]])`, decided once per request from the verified principal
 * (Apollo's semantics: a policy is a yes or no for the request, known before planning). A policy the
 * schema names but this table lacks is denied.
 */
export type Policy = (principal: Principal) => boolean;

export const POLICIES: Readonly<Record<string, Policy>> = {
  /** People and scripts of the organisation itself; partners are outside it. */
  internal: (principal) => principal.kind !== 'partner',
};
