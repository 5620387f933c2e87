import { readPositiveInt, type Environment } from '../../../../lib/config';
import type { EventOf } from '../../../../lib/ingestion/event';
import { findForTenants, TenantScopedBulkWrite, type DocumentDatabase, type Filter, type UpdateFilter } from '../../../../subgraph-kit/documents';
import type { EventWriter } from '../../../../subgraph-kit/ingestion';
import { INCIDENTS_COLLECTION, type IncidentDocument } from '../data/incident-document';
import { recordedNewIncident, recordedUpdate } from '../data/incident-repository';
import { correlationKey, OPEN_STATUSES, planDetectionFindings, type CorrelationSettings, type IncidentWrite } from './correlation';

/** One hour: an attack that keeps a rule firing on one host is one incident; the same alert next day is another. */
export const DEFAULT_CORRELATION_WINDOW_MS = 3_600_000;

/** INCIDENT_CORRELATION_WINDOW_MS, read when the service reads its configuration. */
export function readCorrelationSettings(env: Environment): CorrelationSettings {
  return { windowMs: readPositiveInt(env, 'INCIDENT_CORRELATION_WINDOW_MS', DEFAULT_CORRELATION_WINDOW_MS) };
}

/** What the planner reads of a stored incident: not its timeline or recorded changes, which only grow. */
const PLANNED_FIELDS = {
  tenant: 1,
  uid: 1,
  status: 1,
  severity: 1,
  severityId: 1,
  findings: 1,
  affectedAssets: 1,
  affectedUserUids: 1,
  correlation: 1,
  changeSequence: 1,
} as const;

/** Raised when an incident changed between the batch's read and its write; the kit then writes event by event. */
export class IncidentChangedMeanwhileError extends Error {
  constructor(missed: number) {
    super(`${missed} incident(s) changed between reading and writing the batch; nothing of theirs was written`);
    this.name = 'IncidentChangedMeanwhileError';
  }
}

/**
 * Detection Finding (2004) into incidents (see correlation.ts), in two round trips per batch whatever its size
 * and tenants: one find of the open incidents with the batch's keys and of the incidents holding its findings,
 * one bulk write. Each incident changes atomically with its timeline entries and its recorded changes (the
 * outbox the change relay publishes), under the outbox rules the mutations follow (recordedUpdate). An update
 * applies only while the incident's changeSequence is the one it was planned from, so a mutation committed in
 * between is never overwritten: the write reports it, and the kit applies the batch again event by event, each
 * planned afresh. A new incident's uid comes from its key and its first finding, and it is inserted only if
 * absent, so a batch delivered again opens nothing twice.
 */
export function detectionFindingWriter(database: DocumentDatabase, settings: CorrelationSettings = { windowMs: DEFAULT_CORRELATION_WINDOW_MS }): EventWriter<2004> {
  const incidents = database.collection<IncidentDocument>(INCIDENTS_COLLECTION);
  return {
    async write(events: EventOf<2004>[]): Promise<void> {
      if (events.length === 0) return;
      const stored = await findForTenants(incidents, lookups(events), { projection: PLANNED_FIELDS });
      const writes = planDetectionFindings(events, stored, settings, new Date());
      if (writes.length === 0) return;
      const bulk = new TenantScopedBulkWrite(incidents);
      for (const write of writes) addWrite(bulk, write);
      const result = await bulk.execute();
      // A create matches (it existed) or inserts; an update matches only if its incident did not move meanwhile.
      const missed = writes.length - result.matchedCount - result.upsertedCount;
      if (missed > 0) throw new IncidentChangedMeanwhileError(missed);
    },
  };
}

/** Per tenant of the batch: its open incidents with the batch's keys, and the incidents that hold its findings. */
function lookups(events: EventOf<2004>[]): Map<string, Filter<IncidentDocument>> {
  const byTenant = new Map<string, { keys: Set<string>; findings: Set<string> }>();
  for (const { tenant, body } of events) {
    let tenantLookups = byTenant.get(tenant);
    if (!tenantLookups) byTenant.set(tenant, (tenantLookups = { keys: new Set(), findings: new Set() }));
    tenantLookups.keys.add(correlationKey(body));
    tenantLookups.findings.add(body.findingUid);
  }
  return new Map(
    [...byTenant].map(([tenant, { keys, findings }]) => [
      tenant,
      { $or: [{ 'correlation.key': { $in: [...keys] }, status: { $in: OPEN_STATUSES } }, { 'findings.uid': { $in: [...findings] } }] } as Filter<IncidentDocument>,
    ]),
  );
}

function addWrite(bulk: TenantScopedBulkWrite<IncidentDocument>, write: IncidentWrite): void {
  if (write.kind === 'create') {
    const { tenant, ...incident } = recordedNewIncident(write.incident, write.changes);
    bulk.updateOne(tenant, { uid: incident.uid }, { $setOnInsert: incident } as UpdateFilter<IncidentDocument>, { upsert: true });
    return;
  }
  // changeSequence null matches an incident that never recorded a change (the demo data's).
  bulk.updateOne(write.tenant, { uid: write.uid, changeSequence: write.fromSequence } as Filter<IncidentDocument>, recordedUpdate(write.set, write.entries, write.changes));
}
