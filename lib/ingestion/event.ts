import { createHash } from 'node:crypto';
import { readDetectionFinding, type DetectionFinding } from './detection-finding';
import { readDeviceInventoryInfo, type DeviceInventoryInfo } from './device-inventory-info';
import { Fields, invalid } from './fields';
import { EventRejected, RejectionCode } from './rejection';
import { readUserInventoryInfo, type UserInventoryInfo } from './user-inventory-info';
import { readVulnerabilityFinding, type VulnerabilityFinding } from './vulnerability-finding';

/** The OCSF classes Palisade takes, by class_uid, and who consumes each. */
export const EVENT_CLASSES = {
  2002: { name: 'Vulnerability Finding', consumer: 'assets' },
  2004: { name: 'Detection Finding', consumer: 'incidents' },
  5001: { name: 'Device Inventory Info', consumer: 'assets' },
  5003: { name: 'User Inventory Info', consumer: 'identity' },
} as const;
export type EventClassUid = keyof typeof EVENT_CLASSES;
export const EVENT_CLASS_UIDS = Object.keys(EVENT_CLASSES).map(Number) as EventClassUid[];

export function isEventClassUid(value: unknown): value is EventClassUid {
  return typeof value === 'number' && value in EVENT_CLASSES;
}

/** What every event carries besides its class's own fields. */
interface EventHeader {
  /** The tenant it was delivered for: the intake's verified token, or the subject a producer was allowed to publish to. */
  tenant: string;
  /** metadata.uid, else the SHA-256 of the event as it was received: the same event delivered twice has the same id. */
  eventId: string;
  /** When it happened (OCSF `time`), epoch ms: per entity, the newest event's state wins. */
  time: number;
}

export type OcsfEvent =
  | (EventHeader & { classUid: 2002; body: VulnerabilityFinding })
  | (EventHeader & { classUid: 2004; body: DetectionFinding })
  | (EventHeader & { classUid: 5001; body: DeviceInventoryInfo })
  | (EventHeader & { classUid: 5003; body: UserInventoryInfo });

/** The event of one class. */
export type EventOf<C extends EventClassUid> = Extract<OcsfEvent, { classUid: C }>;

export interface ReadContext {
  /** The tenant the event is delivered for; an event that names another one is refused. */
  tenant: string;
  /** The classes the reader takes; any other class_uid is refused as UNSUPPORTED_CLASS. */
  classes: readonly EventClassUid[];
  /** Epoch ms; an event from further ahead than the allowed clock skew is refused. */
  now?: number;
}

/**
 * How far ahead of the receiver's clock an event's time may be. Newest state wins, so an event stamped in the
 * future would win against every real one until then; beyond this much skew it is refused.
 */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** Where producers put a tenant in the event itself; each must name the delivering tenant or be absent. */
const TENANT_FIELDS = [
  ['metadata', 'tenant_uid'],
  ['unmapped', 'tenant'],
  ['unmapped', 'tenant_uid'],
] as const;

/**
 * Reads one OCSF event for a tenant: its class, its time, the fields its consumer reads (required, typed,
 * enums), and that it names no other tenant. Throws EventRejected saying why it cannot be taken. The intake
 * reads every event before it accepts it, and each consumer reads it again: producers may publish to NATS
 * directly, and a consumer trusts nothing but the subject's tenant.
 */
export function readEvent(value: unknown, context: ReadContext): OcsfEvent {
  const event = Fields.root(value);
  const classUid = readClassUid(event, context.classes);
  assertTenant(event, context.tenant);
  const time = event.timestamp('time', 'when the event happened');
  const now = context.now ?? Date.now();
  if (time > now + MAX_CLOCK_SKEW_MS) {
    throw invalid('time', `no later than ${MAX_CLOCK_SKEW_MS / 60_000} minutes after the receiver's clock; it is ${Math.round((time - now) / 60_000)} minutes ahead (is it in microseconds?)`);
  }
  const metadata = event.object('metadata', 'the event metadata', 'optional');
  const header = { tenant: context.tenant, eventId: metadata?.uid('uid', "the event's unique id", 'optional') ?? digestOf(value), time };
  switch (classUid) {
    case 2002:
      return { ...header, classUid, body: readVulnerabilityFinding(event, time) };
    case 2004:
      return { ...header, classUid, body: readDetectionFinding(event) };
    case 5001:
      return { ...header, classUid, body: readDeviceInventoryInfo(event) };
    case 5003:
      return { ...header, classUid, body: readUserInventoryInfo(event) };
  }
}

/** The class_uid of a line, for labels and routing before the event is read; undefined when it has none. */
export function classUidOf(value: unknown): number | undefined {
  const classUid = typeof value === 'object' && value !== null ? (value as { class_uid?: unknown }).class_uid : undefined;
  return typeof classUid === 'number' && Number.isInteger(classUid) ? classUid : undefined;
}

function readClassUid(event: Fields, classes: readonly EventClassUid[]): EventClassUid {
  const taken = classes.map((uid) => `${uid} (${EVENT_CLASSES[uid].name})`).join(', ');
  const classUid = event.integer('class_uid', `the OCSF class of the event, one of ${taken}`, { min: 0, max: 2 ** 31 - 1 });
  if (classUid === undefined) throw new EventRejected(RejectionCode.MISSING_FIELD, `class_uid is required: the OCSF class of the event, one of ${taken}`);
  if (!(classes as readonly number[]).includes(classUid)) {
    throw new EventRejected(RejectionCode.UNSUPPORTED_CLASS, `class_uid ${classUid} is not taken here; Palisade takes ${taken}`);
  }
  return classUid as EventClassUid;
}

function assertTenant(event: Fields, tenant: string): void {
  for (const [objectKey, key] of TENANT_FIELDS) {
    const named = event.object(objectKey, `the event's ${objectKey}`, 'optional')?.string(key, { what: 'the tenant the event belongs to', max: 256 }, 'optional');
    if (named !== undefined && named !== tenant) {
      throw new EventRejected(
        RejectionCode.TENANT_MISMATCH,
        `${objectKey}.${key} names another tenant than the one this event is delivered for (${tenant}); the tenant comes from the credentials, so remove the field or deliver the event with that tenant's credentials`,
      );
    }
  }
}

function digestOf(value: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex')}`;
}
