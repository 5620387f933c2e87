import { accountFor, distribution, tenantOfUid, type CommittedChange } from './subscriptions-accounting';
import { changeKey, type EventReceipts, type SubscriberReport } from './subscribers';

/** What --subscriptions makes of its committed changes and of what its subscribers received. */

const AT = '2026-12-07T10:00:00.000Z';
const COMMITTED = Date.parse(AT);

function change(tenant: string, uid: string, at = AT, measured = true): CommittedChange {
  return { tenant, uid, at, answeredAt: Date.parse(at) + 10, measured };
}

function receipts(uid: string, byTenant: EventReceipts['byTenant'], at = AT): Record<string, EventReceipts> {
  return { [changeKey(uid, at)]: { id: `${uid}:1`, uid, byTenant } };
}

const quiet = (tenant: string): SubscriberReport => ({ tenant, received: 0, repeated: 0, errors: {} });

describe('--subscriptions accounting', () => {
  it('measures a change from its commit to the last of its tenant\'s subscribers, and from the mutation\'s answer', () => {
    const accounting = accountFor([change('acme', 'inc-acme-1')], { acme: 3, globex: 2 }, receipts('inc-acme-1', { acme: { count: 3, first: COMMITTED + 20, last: COMMITTED + 45 } }), []);
    expect(accounting.latency.commitToLast).toEqual({ count: 1, p50: 45, p95: 45, p99: 45, max: 45 });
    expect(accounting.latency.commitToFirst.p50).toBe(20);
    expect(accounting.latency.answerToLast.p50).toBe(35);
    expect(accounting).toMatchObject({ changes: 1, expectedDeliveries: 3, delivered: 3, missed: 0, crossTenant: 0, unknown: 0 });
  });

  it("expects each change once at every subscriber of its own tenant, and counts what did not arrive", () => {
    const events = { ...receipts('inc-acme-1', { acme: { count: 2, first: COMMITTED, last: COMMITTED } }), ...receipts('inc-globex-1', { globex: { count: 2, first: COMMITTED, last: COMMITTED } }) };
    const accounting = accountFor([change('acme', 'inc-acme-1'), change('globex', 'inc-globex-1'), change('globex', 'inc-globex-2')], { acme: 3, globex: 2 }, events, []);
    expect(accounting.byTenant.acme).toEqual({ subscribers: 3, changes: 1, expectedDeliveries: 3, delivered: 2, missed: 1, changesNotDeliveredToAll: 1 });
    expect(accounting.byTenant.globex).toEqual({ subscribers: 2, changes: 2, expectedDeliveries: 4, delivered: 2, missed: 2, changesNotDeliveredToAll: 1 });
    expect(accounting).toMatchObject({ expectedDeliveries: 7, delivered: 4, missed: 3 });
    // A change some subscriber never got has no "last" delivery: it counts as missed, not in the latency.
    expect(accounting.latency.commitToLast.count).toBe(1);
  });

  it('counts every delivery of a change to a subscriber of another tenant, whether the run committed it or not', () => {
    const events = {
      ...receipts('inc-acme-1', { acme: { count: 1, first: COMMITTED, last: COMMITTED }, globex: { count: 2, first: COMMITTED, last: COMMITTED } }),
      // Not committed by the run: the uid names its tenant.
      ...receipts('inc-acme-9', { globex: { count: 1, first: COMMITTED, last: COMMITTED }, acme: { count: 1, first: COMMITTED, last: COMMITTED } }),
    };
    const accounting = accountFor([change('acme', 'inc-acme-1')], { acme: 1, globex: 2 }, events, []);
    expect(accounting.crossTenant).toBe(3);
    expect(accounting.unknown).toBe(1);
    expect(accounting.missed).toBe(0);
  });

  it('leaves the warm-up out of the latency but not out of the deliveries', () => {
    const later = '2026-12-07T10:00:05.000Z';
    const events = { ...receipts('inc-acme-1', { acme: { count: 1, first: COMMITTED + 900, last: COMMITTED + 900 } }), ...receipts('inc-acme-1', { acme: { count: 1, first: Date.parse(later) + 30, last: Date.parse(later) + 30 } }, later) };
    const accounting = accountFor([change('acme', 'inc-acme-1', AT, false), change('acme', 'inc-acme-1', later)], { acme: 1, globex: 1 }, events, []);
    expect(accounting).toMatchObject({ changes: 2, measuredChanges: 1, delivered: 2, missed: 0 });
    expect(accounting.latency.commitToLast).toMatchObject({ count: 1, p99: 30 });
  });

  it("adds up the subscribers' repeats, errors and ends", () => {
    const subscribers = [
      { ...quiet('acme'), repeated: 2, errors: { DOWNSTREAM_SERVICE_ERROR: 1 } },
      { ...quiet('acme'), errors: { DOWNSTREAM_SERVICE_ERROR: 2 }, ended: 'closed 1012' },
      { ...quiet('globex'), ended: 'closed 1012' },
    ];
    const accounting = accountFor([], { acme: 2, globex: 1 }, {}, subscribers);
    expect(accounting).toMatchObject({ repeated: 2, errors: { DOWNSTREAM_SERVICE_ERROR: 3 }, ended: { 'closed 1012': 2 } });
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(distribution(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(distribution([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(distribution([]).count).toBe(0);
  });

  it('reads the tenant an incident uid names', () => {
    expect(tenantOfUid('inc-acme-00012')).toBe('acme');
    expect(tenantOfUid('inc-globex-3f2a')).toBe('globex');
    expect(tenantOfUid('usr-acme-1')).toBeUndefined();
  });
});
