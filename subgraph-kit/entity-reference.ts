import { badUserInput } from '../lib/errors';

/** An entity representation as `_entities` hands it to __resolveReference: whatever JSON the caller sent. */
export interface EntityReference {
  uid?: unknown;
}

/**
 * The uid of an entity representation, or BAD_USER_INPUT when it has none. Only the uid is read: a
 * representation's tenant, if a caller sent one, is ignored, because the tenant comes from the verified principal.
 */
export function uidOf(reference: EntityReference): string {
  if (typeof reference.uid !== 'string') throw badUserInput('representations', 'An entity representation needs a string uid');
  return reference.uid;
}
