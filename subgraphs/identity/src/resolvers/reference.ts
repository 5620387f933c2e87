import { badUserInput } from '../../../../lib/errors';

/**
 * The uid of an entity representation. Only the uid is read: a representation's tenant, if a caller sent one,
 * is ignored, because the tenant comes from the verified principal.
 */
export function uidOf(reference: { uid?: unknown }): string {
  if (typeof reference.uid !== 'string') throw badUserInput('representations', 'An entity representation needs a string uid');
  return reference.uid;
}
