// What --subscriptions makes of the changes it committed and of what its subscribers received: latency from
// commit to the last subscriber of the tenant, deliveries missed, deliveries across tenants. Pure: tested in
// subscriptions-accounting.test.ts.
import { percentile } from './load';
import { round } from './measure';
import { changeKey, type EventReceipts, type SubscriberReport } from './subscribers';

/** A change the run committed: a mutation through the gateway that was answered without errors. */
export interface CommittedChange {
  tenant: string;
  uid: string;
  /** The incident's updatedAt in the mutation's answer: the commit time the change event carries as `at`. */
  at: string;
  /** When the mutation's answer arrived (epoch ms). */
  answeredAt: number;
  /** Sent after the warm-up: its latency counts. Every change counts for deliveries. */
  measured: boolean;
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface TenantAccounting {
  subscribers: number;
  changes: number;
  /** changes x subscribers: each of the tenant's subscribers should receive each of its changes once. */
  expectedDeliveries: number;
  delivered: number;
  missed: number;
  /** Changes that at least one of the tenant's subscribers never received. */
  changesNotDeliveredToAll: number;
}

export interface Accounting {
  changes: number;
  measuredChanges: number;
  expectedDeliveries: number;
  delivered: number;
  missed: number;
  /** Deliveries of a change to a subscriber of another tenant than the incident's: must be 0. */
  crossTenant: number;
  /** Deliveries of changes the run did not commit (nor a mutation it could not read the answer of). */
  unknown: number;
  /** Events a subscriber received again, or after a later one of the same incident. */
  repeated: number;
  errors: Record<string, number>;
  /** Subscriptions that ended during the run, by reason. */
  ended: Record<string, number>;
  byTenant: Record<string, TenantAccounting>;
  /** Over the measured changes delivered to all of their tenant's subscribers, ms. */
  latency: {
    commitToLast: Distribution;
    commitToFirst: Distribution;
    answerToLast: Distribution;
  };
}

/** The tenant an incident uid names (`inc-<tenant>-...`, in the demo data and in what createIncident makes). */
export function tenantOfUid(uid: string): string | undefined {
  return /^inc-([^-]+)-/.exec(uid)?.[1];
}

/** Nearest-rank percentiles of a list of ms, rounded to 0.1 ms. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? NaN : round(percentile(sorted, p), 1));
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted.length === 0 ? NaN : round(sorted[sorted.length - 1], 1) };
}

export function accountFor(changes: readonly CommittedChange[], subscribersPerTenant: Readonly<Record<string, number>>, events: Readonly<Record<string, EventReceipts>>, subscribers: readonly SubscriberReport[]): Accounting {
  const byKey = new Map(changes.map((change) => [changeKey(change.uid, change.at), change]));
  const byTenant: Record<string, TenantAccounting> = {};
  for (const [tenant, count] of Object.entries(subscribersPerTenant)) {
    byTenant[tenant] = { subscribers: count, changes: 0, expectedDeliveries: 0, delivered: 0, missed: 0, changesNotDeliveredToAll: 0 };
  }
  const commitToLast: number[] = [];
  const commitToFirst: number[] = [];
  const answerToLast: number[] = [];
  for (const change of changes) {
    const tenant = byTenant[change.tenant];
    if (!tenant) throw new Error(`a change of tenant ${change.tenant}, which has no subscribers`);
    tenant.changes++;
    tenant.expectedDeliveries += tenant.subscribers;
    const receipts = events[changeKey(change.uid, change.at)]?.byTenant[change.tenant];
    const delivered = Math.min(receipts?.count ?? 0, tenant.subscribers);
    tenant.delivered += delivered;
    if (delivered < tenant.subscribers) {
      tenant.changesNotDeliveredToAll++;
      continue;
    }
    if (!change.measured || !receipts) continue;
    const committedAt = Date.parse(change.at);
    commitToLast.push(receipts.last - committedAt);
    commitToFirst.push(receipts.first - committedAt);
    answerToLast.push(receipts.last - change.answeredAt);
  }
  let crossTenant = 0;
  let unknown = 0;
  for (const [key, event] of Object.entries(events)) {
    const change = byKey.get(key);
    const owner = change?.tenant ?? tenantOfUid(event.uid);
    for (const [tenant, receipts] of Object.entries(event.byTenant)) {
      if (tenant !== owner) crossTenant += receipts.count;
      else if (!change) unknown += receipts.count;
    }
  }
  const errors: Record<string, number> = {};
  const ended: Record<string, number> = {};
  let repeated = 0;
  for (const subscriber of subscribers) {
    repeated += subscriber.repeated;
    for (const [code, count] of Object.entries(subscriber.errors)) errors[code] = (errors[code] ?? 0) + count;
    if (subscriber.ended) ended[subscriber.ended] = (ended[subscriber.ended] ?? 0) + 1;
  }
  for (const tenant of Object.values(byTenant)) tenant.missed = tenant.expectedDeliveries - tenant.delivered;
  const sum = (pick: (tenant: TenantAccounting) => number) => Object.values(byTenant).reduce((total, tenant) => total + pick(tenant), 0);
  return {
    changes: changes.length,
    measuredChanges: changes.filter((change) => change.measured).length,
    expectedDeliveries: sum((t) => t.expectedDeliveries),
    delivered: sum((t) => t.delivered),
    missed: sum((t) => t.missed),
    crossTenant,
    unknown,
    repeated,
    errors,
    ended,
    byTenant,
    latency: { commitToLast: distribution(commitToLast), commitToFirst: distribution(commitToFirst), answerToLast: distribution(answerToLast) },
  };
}
