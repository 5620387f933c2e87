import { readPageRequest, type PageArgs, type PageRequest } from '../../../../subgraph-kit/connection';
import { badUserInput } from '../../../../lib/errors';

/** first and after of an asset list; the cursor must hold a name and a uid, as asset cursors do. */
export function readAssetPageRequest(args: PageArgs): PageRequest {
  return readTypedPage(args, ['string', 'string']);
}

/** first and after of a findings list; the cursor must hold a severity id and a uid, as finding cursors do. */
export function readVulnerabilityPageRequest(args: PageArgs): PageRequest {
  return readTypedPage(args, ['number', 'string']);
}

/** A cursor of another list decodes too; its values would then be compared with the wrong fields. */
function readTypedPage(args: PageArgs, types: Array<'string' | 'number'>): PageRequest {
  const page = readPageRequest(args, types.length);
  if (page.after && !page.after.every((value, i) => typeof value === types[i])) {
    throw badUserInput('after', 'The cursor does not belong to this list; pass an endCursor from a previous page of it');
  }
  return page;
}
