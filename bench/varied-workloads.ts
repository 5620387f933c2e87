import { demoTenantSizes, demoUid, type DemoTenantSize } from '../demo-data';
import { SeededRandom } from '../demo-data/random';
import type { Caller } from './varied-callers';

/**
 * The varied workload: each request is the next of a seeded sequence, which draws a caller (a user of acme or
 * globex with a scope set of their own) and the variables (a user, an incident or a board page of that caller's
 * tenant). Every uid drawn exists in the demo data at the run's scale, so every answer is a real one.
 */

/** What a tenant holds at the run's scale, and the board pages that exist there. */
export interface TenantCatalogue {
  size: DemoTenantSize;
  boardPages: BoardPage[];
}

/** A page of the board: a filter and the cursor of the page before (null for the first page). */
export interface BoardPage {
  filter: { severityAtLeast: string; status: string[] };
  after: string | null;
}

export interface VariedWorkload {
  /** board, profile or lookup, as in WORKLOADS. */
  key: string;
  operationName: string;
  /** The scopes its fields require; each caller holds these and some of the others. */
  requiredScopes: string[];
  draw(random: SeededRandom, tenant: TenantCatalogue): Record<string, unknown>;
  description: string;
}

/** Incidents per board page, as IncidentBoard shows them. */
export const BOARD_PAGE_SIZE = 50;

export const VARIED_WORKLOADS: readonly VariedWorkload[] = [
  {
    key: 'board',
    operationName: 'IncidentBoardPage',
    requiredScopes: ['identity:read', 'pii:read', 'assets:read', 'incidents:read'],
    draw: (random, tenant) => {
      const page = random.pick(tenant.boardPages);
      return { first: BOARD_PAGE_SIZE, after: page.after, filter: page.filter };
    },
    description: `IncidentBoardPage: a page of ${BOARD_PAGE_SIZE} incidents of the caller's tenant, of one of 20 filters (severity at least LOW to CRITICAL, five status sets), the first page or one after it`,
  },
  {
    key: 'profile',
    operationName: 'UserProfile',
    requiredScopes: ['identity:read', 'assets:read', 'vulnerabilities:read', 'incidents:read'],
    draw: (random, tenant) => ({ uid: demoUid('usr', tenant.size.tenant, random.int(1, tenant.size.users)) }),
    description: "UserProfile: any user of the caller's tenant",
  },
  {
    key: 'lookup',
    operationName: 'IncidentLookup',
    requiredScopes: ['incidents:read'],
    draw: (random, tenant) => ({ uid: demoUid('inc', tenant.size.tenant, random.int(1, tenant.size.incidents)) }),
    description: "IncidentLookup: any incident of the caller's tenant, one field",
  },
];

/** The filters of the varied board: each severity floor with each status set. */
const BOARD_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const BOARD_STATUS_SETS = [['NEW'], ['NEW', 'IN_PROGRESS'], ['IN_PROGRESS', 'ON_HOLD'], ['NEW', 'IN_PROGRESS', 'ON_HOLD'], ['RESOLVED', 'CLOSED']];
/** Pages per filter at most: the first, and those after it as long as one holds incidents. */
const BOARD_PAGES_PER_FILTER = 4;

const PAGE_QUERY = `query BoardCursors($first: Int!, $after: String, $filter: IncidentFilter) {
  incidents(first: $first, after: $after, filter: $filter) { edges { cursor } pageInfo { hasNextPage endCursor } }
}`;

/**
 * Every tenant's size at `scale` and its board pages, found by paging each filter on the incidents subgraph
 * (`headersFor` gives the signed principal of a tenant), as a board's next-page button would.
 */
export async function readCatalogue(scale: number, incidentsUrl: string, headersFor: (tenant: string) => Record<string, string>): Promise<Map<string, TenantCatalogue>> {
  const catalogue = new Map<string, TenantCatalogue>();
  for (const size of demoTenantSizes(scale)) {
    const boardPages: BoardPage[] = [];
    for (const severityAtLeast of BOARD_SEVERITIES) {
      for (const status of BOARD_STATUS_SETS) {
        const filter = { severityAtLeast, status };
        let after: string | null = null;
        for (let page = 0; page < BOARD_PAGES_PER_FILTER; page++) {
          const connection = await pageOf(incidentsUrl, headersFor(size.tenant), filter, after);
          if (connection.edges.length === 0) break;
          boardPages.push({ filter, after });
          if (!connection.pageInfo.hasNextPage) break;
          after = connection.pageInfo.endCursor;
        }
      }
    }
    if (boardPages.length === 0) throw new Error(`tenant ${size.tenant} has no incident in any board filter`);
    catalogue.set(size.tenant, { size, boardPages });
  }
  return catalogue;
}

interface CursorPage {
  edges: unknown[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function pageOf(url: string, headers: Record<string, string>, filter: BoardPage['filter'], after: string | null): Promise<CursorPage> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: PAGE_QUERY, variables: { first: BOARD_PAGE_SIZE, after, filter } }),
  });
  const result = (await response.json()) as { data?: { incidents: CursorPage }; errors?: unknown };
  if (!result.data?.incidents || result.errors) throw new Error(`the incidents subgraph did not page the board (HTTP ${response.status}): ${JSON.stringify(result).slice(0, 500)}`);
  return result.data.incidents;
}

/** One request of the sequence: who asks, and with which variables. */
export interface VariedDraw {
  caller: Caller;
  variables: Record<string, unknown>;
}

/**
 * The workload's request sequence from its start: each call returns the next request. Every gateway's run
 * starts it anew, so all gateways are sent the same requests in the same order.
 */
export function startSequence(workload: VariedWorkload, callers: readonly Caller[], catalogue: ReadonlyMap<string, TenantCatalogue>, seed: number): () => VariedDraw {
  const random = seededFor(seed, `requests/${workload.key}`);
  return () => {
    const caller = random.pick(callers);
    return { caller, variables: workload.draw(random, catalogue.get(caller.principal.tenant)!) };
  };
}

/** A generator of its own for each purpose, all from the one seed the run prints (FNV-1a of seed and purpose). */
export function seededFor(seed: number, purpose: string): SeededRandom {
  let hash = 0x811c9dc5;
  for (const char of `${seed}/${purpose}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return new SeededRandom(hash);
}
