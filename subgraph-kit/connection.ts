import { badUserInput } from '../lib/errors';

/** Relay connection arguments after validation: how many to return and where to start. */
export interface PageRequest {
  first: number;
  /** Sort values of the last row already seen, decoded from the opaque cursor; undefined for the first page. */
  after?: CursorKey;
}

/**
 * Relay connection arguments as GraphQL hands them over. `first` always has a value: every `first` argument
 * declares its default in the SDL, and an explicit null is served as that default (page-size-default.ts).
 */
export interface PageArgs {
  first: number;
  after?: string | null;
}

/** The sort values of one row: the sort column(s) and then the uid that breaks ties. */
export type CursorKey = Array<string | number | null>;

/** One page of a list in sort order: up to first + 1 rows (the extra one only says a next page exists), and the total. */
export interface Page<T> {
  rows: T[];
  totalCount: number;
}

export const MAX_PAGE_SIZE = 100;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Returns undefined for an absent cursor and BAD_USER_INPUT naming `after` for one that was not ours. */
export function decodeCursor(cursor: string | null | undefined, width: number): CursorKey | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    Array.isArray(key) &&
    key.length === width &&
    key.every((v) => v === null || typeof v === 'string' || typeof v === 'number');
  if (!valid) throw badUserInput('after', 'The cursor is malformed; pass an endCursor from a previous page');
  return key as CursorKey;
}

export function readPageRequest(args: PageArgs, cursorWidth: number): PageRequest {
  const { first } = args;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`);
  }
  return { first, after: decodeCursor(args.after, cursorWidth) };
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/**
 * Builds a connection from a page of up to first + 1 rows fetched in sort order: the extra row only tells that
 * another page exists.
 */
export function toConnection<T>(page: Page<T>, first: number, keyOf: (row: T) => CursorKey): Connection<T> {
  const rows = page.rows.slice(0, first);
  const edges = rows.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.rows.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: page.totalCount,
  };
}
