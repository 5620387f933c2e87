// The steady stream of changes of --subscriptions: incident mutations through gateway A, evenly spaced, the
// tenants taking turns, each incident changed by one mutation at a time so that its changes are in a known order.
import { round } from './measure';
import { distribution, type CommittedChange, type Distribution } from './subscriptions-accounting';

/** Mutations as persisted operations; each answers the incident's uid, status and updatedAt (the change's commit time). */
export const MUTATION_DOCUMENTS = {
  note: `mutation BenchIncidentNote($uid: ID!, $note: String!) {
  addIncidentNote(uid: $uid, note: $note) { uid status updatedAt }
}
`,
  status: `mutation BenchIncidentStatus($uid: ID!, $status: IncidentStatus!, $reopen: Boolean) {
  updateIncidentStatus(uid: $uid, status: $status, reopen: $reopen) { uid status updatedAt }
}
`,
  assign: `mutation BenchIncidentAssign($uid: ID!, $assigneeUid: ID) {
  assignIncident(uid: $uid, assigneeUid: $assigneeUid) { uid status updatedAt }
}
`,
} as const;
export type MutationKind = keyof typeof MUTATION_DOCUMENTS;
const MUTATION_ORDER: readonly MutationKind[] = ['note', 'status', 'assign'];
const OPERATION_NAMES: Record<MutationKind, string> = { note: 'BenchIncidentNote', status: 'BenchIncidentStatus', assign: 'BenchIncidentAssign' };
const FIELDS: Record<MutationKind, string> = { note: 'addIncidentNote', status: 'updateIncidentStatus', assign: 'assignIncident' };
const REQUEST_TIMEOUT_MS = 10_000;

export interface StreamIncident {
  uid: string;
  status: string;
  assigneeUid: string | null;
}

export interface MutationStreamSpec {
  url: string;
  /** Persisted ids of the three mutations. */
  ids: Record<MutationKind, string>;
  /**
   * Per tenant: script tokens with incidents:write (the writers take turns, as several analysts and tools would:
   * one caller alone would meet its bound on requests in flight), the incidents they change, and users they assign.
   */
  tenants: Record<string, { tokens: string[]; incidents: StreamIncident[]; assignees: string[] }>;
  /** Changes per second over all tenants. */
  rate: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface MutationStreamResult {
  changes: CommittedChange[];
  sent: number;
  /** Mutations that committed nothing, or whose answer could not be read, by error code. */
  failed: Record<string, number>;
  /** Slots where every incident of the tenant still had a mutation in flight. */
  skipped: number;
  /** Mutations sent more than one interval after their slot (the sender's event loop was busy). */
  late: number;
  seconds: number;
  /** Mutation round trips through A, ms. */
  answerMs: Distribution;
}

/**
 * The next status of an incident on a path its workflow allows (see the incidents schema): it moves between
 * IN_PROGRESS and ON_HOLD; NEW and RESOLVED move to IN_PROGRESS, CLOSED too with reopen.
 */
export function nextStatus(status: string): { status: string; reopen: boolean } {
  if (status === 'IN_PROGRESS') return { status: 'ON_HOLD', reopen: false };
  return { status: 'IN_PROGRESS', reopen: status === 'CLOSED' };
}

interface Slot {
  incident: StreamIncident & { busy: boolean; turns: number };
  tenant: string;
}

/** Sends `rate` mutations a second for warm-up plus duration, then waits for the last answers. */
export async function runMutationStream(spec: MutationStreamSpec): Promise<MutationStreamResult> {
  const tenants = Object.keys(spec.tenants);
  const pools = Object.fromEntries(tenants.map((tenant) => [tenant, { next: 0, incidents: spec.tenants[tenant].incidents.map((incident) => ({ ...incident, busy: false, turns: 0 })) }]));
  const result: MutationStreamResult = { changes: [], sent: 0, failed: {}, skipped: 0, late: 0, seconds: 0, answerMs: distribution([]) };
  const answerMs: number[] = [];
  const interval = 1000 / spec.rate;
  const total = Math.round(spec.rate * (spec.warmupSeconds + spec.durationSeconds));
  const started = Date.now();
  const measuredFrom = started + spec.warmupSeconds * 1000;
  const inFlight = new Set<Promise<void>>();

  const pick = (tenant: string): Slot | undefined => {
    const pool = pools[tenant];
    for (let tried = 0; tried < pool.incidents.length; tried++) {
      const incident = pool.incidents[pool.next];
      pool.next = (pool.next + 1) % pool.incidents.length;
      if (!incident.busy) return { incident, tenant };
    }
    return undefined;
  };

  const send = async ({ incident, tenant }: Slot) => {
    const kind = MUTATION_ORDER[incident.turns++ % MUTATION_ORDER.length];
    const { tokens, assignees } = spec.tenants[tenant];
    const token = tokens[result.sent % tokens.length];
    const variables = variablesFor(kind, incident, assignees, result.sent);
    const sentAt = Date.now();
    incident.busy = true;
    result.sent++;
    try {
      const response = await fetch(spec.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ operationName: OPERATION_NAMES[kind], variables, extensions: { persistedQuery: { version: 1, sha256Hash: spec.ids[kind] } } }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json()) as { data?: Record<string, { uid: string; status: string; updatedAt: string } | null>; errors?: Array<{ extensions?: { code?: string } }> };
      const answeredAt = Date.now();
      const changed = body.data?.[FIELDS[kind]];
      if (body.errors?.length || !changed) {
        const code = body.errors?.[0]?.extensions?.code ?? `HTTP ${response.status}`;
        result.failed[code] = (result.failed[code] ?? 0) + 1;
        return;
      }
      answerMs.push(answeredAt - sentAt);
      incident.status = changed.status;
      if (kind === 'assign') incident.assigneeUid = variables.assigneeUid as string;
      result.changes.push({ tenant, uid: changed.uid, at: changed.updatedAt, answeredAt, measured: sentAt >= measuredFrom });
    } catch (error) {
      const code = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection error';
      result.failed[code] = (result.failed[code] ?? 0) + 1;
    } finally {
      incident.busy = false;
    }
  };

  for (let index = 0; index < total; index++) {
    const slotAt = started + index * interval;
    const wait = slotAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (-wait > interval) result.late++;
    const slot = pick(tenants[index % tenants.length]);
    if (!slot) {
      result.skipped++;
      continue;
    }
    const sending = send(slot);
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  }
  await Promise.all(inFlight);
  result.seconds = round((Date.now() - started) / 1000, 2);
  result.answerMs = distribution(answerMs);
  return result;
}

function variablesFor(kind: MutationKind, incident: StreamIncident, assignees: readonly string[], sequence: number): Record<string, unknown> {
  if (kind === 'note') return { uid: incident.uid, note: `bench note ${sequence}` };
  if (kind === 'status') return { uid: incident.uid, ...nextStatus(incident.status) };
  const others = assignees.filter((uid) => uid !== incident.assigneeUid);
  return { uid: incident.uid, assigneeUid: others[sequence % others.length] ?? null };
}
