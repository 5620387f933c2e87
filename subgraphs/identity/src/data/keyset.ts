import type { PageRequest } from '../../../../subgraph-kit/connection';
import { badUserInput } from '../../../../lib/errors';

/** The (name, uid) of the row a page starts after, or undefined for the first page. */
export function nameKeyAfter(page: PageRequest): [string, string] | undefined {
  if (page.after === undefined) return undefined;
  const [name, uid] = page.after;
  if (typeof name !== 'string' || typeof uid !== 'string') {
    throw badUserInput('after', 'The cursor is malformed; pass an endCursor from a previous page of this list');
  }
  return [name, uid];
}
