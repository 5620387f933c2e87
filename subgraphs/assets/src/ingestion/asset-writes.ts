import type { CloudResourceSnapshot, DeviceSnapshot } from '../../../../lib/ingestion/affected-asset';
import type { VulnerabilityObservation } from '../../../../lib/ingestion/vulnerability-finding';
import type { Document } from '../../../../subgraph-kit/documents';
import type { CloudResourceDocument, DeviceDocument, FindingStatus, VulnerabilityDocument } from '../data/asset-document';
import { SEVERITY_ID, type Severity } from '../data/severity';

/*
 * The pipeline updates an event makes to its asset's document: each a single $set stage, so that one document
 * changes atomically and the expressions compare the event's version with the stored one. Everything taken
 * from an event is wrapped in $literal, so that text starting with "$" stays text.
 *
 * Versions (stateVersion): the asset's attributes carry `attributesVersion`, each embedded finding its own
 * `observedVersion`. A value is replaced only by an event of a higher version, so a late, older event and a
 * replayed one change nothing; first and last seen times are the minimum and maximum over every event.
 */

/** The attributes an event states about a device or cloud resource, as the document stores them. */
export type DeviceAttributes = Pick<DeviceDocument, 'name' | 'hostname' | 'ip' | 'type' | 'os' | 'region' | 'ownerUid'>;
export type CloudResourceAttributes = Pick<CloudResourceDocument, 'name' | 'provider' | 'resourceType' | 'region' | 'accountUid'>;

/** A finding as an event states it; the finding's uid and first seen time are kept from when it was first stored. */
export type StatedFinding = Omit<VulnerabilityDocument, 'uid'> & { observedVersion: string };

/**
 * The $set stage for an asset named by an event: its attributes when the event's version is the higher, the
 * defaults a new asset starts with (criticality MEDIUM: the business's judgement, which no event states), the
 * earliest time it was seen as createdAt, and, for a vulnerability finding, its findings merged in.
 */
export function assetUpdate(attributes: DeviceAttributes | CloudResourceAttributes, version: string, time: Date, findings?: { uidPrefix: string; stated: StatedFinding[] }): Document[] {
  const newer = isNewer('$attributesVersion', version);
  const set: Document = {
    criticality: { $ifNull: ['$criticality', 'MEDIUM'] },
    createdAt: { $min: [{ $ifNull: ['$createdAt', literal(time)] }, literal(time)] },
    attributesVersion: { $cond: [newer, literal(version), '$attributesVersion'] },
    vulnerabilities: findings ? mergedFindings(findings.uidPrefix, findings.stated) : { $ifNull: ['$vulnerabilities', []] },
  };
  for (const [field, value] of Object.entries(attributes)) set[field] = { $cond: [newer, literal(value), { $ifNull: [`$${field}`, null] }] };
  if (!('ownerUid' in attributes)) set.ownerUid = { $ifNull: ['$ownerUid', null] };
  return [{ $set: set }];
}

/**
 * The stored findings, each replaced by the event's when the event's is newer, with first and last seen widened;
 * then the event's findings whose CVE the asset did not have yet, with the uid `<asset uid>/<CVE>`.
 */
function mergedFindings(uidPrefix: string, stated: StatedFinding[]): Document {
  const branches = stated.map((finding) => ({
    case: { $eq: ['$$stored_finding.cve.uid', literal(finding.cve.uid)] },
    then: {
      $mergeObjects: [
        '$$stored_finding',
        { $cond: [isNewer('$$stored_finding.observedVersion', finding.observedVersion), literal(withoutSeenTimes(finding)), literal({})] },
        {
          firstSeenAt: { $min: ['$$stored_finding.firstSeenAt', literal(finding.firstSeenAt)] },
          lastSeenAt: { $max: ['$$stored_finding.lastSeenAt', literal(finding.lastSeenAt)] },
        },
      ],
    },
  }));
  const added = stated.map((finding): VulnerabilityDocument & { observedVersion: string } => ({ uid: `${uidPrefix}/${finding.cve.uid}`, ...finding }));
  return {
    $let: {
      vars: { stored: { $ifNull: ['$vulnerabilities', []] } },
      in: {
        $concatArrays: [
          { $map: { input: '$$stored', as: 'stored_finding', in: { $switch: { branches, default: '$$stored_finding' } } } },
          { $filter: { input: literal(added), as: 'new_finding', cond: { $not: [{ $in: ['$$new_finding.cve.uid', '$$stored.cve.uid'] }] } } },
        ],
      },
    },
  };
}

/** Whether the stored version (a field path; absent reads as the lowest) is below `version`. */
function isNewer(storedPath: string, version: string): Document {
  return { $lt: [{ $ifNull: [storedPath, ''] }, literal(version)] };
}

function literal(value: unknown): Document {
  return { $literal: value };
}

function withoutSeenTimes(finding: StatedFinding): Omit<StatedFinding, 'firstSeenAt' | 'lastSeenAt'> {
  const { firstSeenAt: _first, lastSeenAt: _last, ...rest } = finding;
  return rest;
}

const DEVICE_TYPES: Record<number, DeviceDocument['type']> = {
  0: 'UNKNOWN',
  1: 'SERVER',
  2: 'DESKTOP',
  3: 'LAPTOP',
  4: 'TABLET',
  5: 'MOBILE',
  6: 'VIRTUAL',
  7: 'IOT',
  9: 'FIREWALL',
  12: 'ROUTER',
  15: 'LOAD_BALANCER',
};

const OS_TYPES: Record<number, NonNullable<DeviceDocument['os']>['type']> = { 0: 'UNKNOWN', 100: 'WINDOWS', 101: 'WINDOWS', 200: 'LINUX', 201: 'ANDROID', 300: 'MACOS', 301: 'IOS', 302: 'IOS' };

/** OCSF finding status_id: Deleted (created in error) is kept as ARCHIVED, Unknown and Other as OTHER. */
const FINDING_STATUSES: Record<number, FindingStatus> = { 1: 'NEW', 2: 'IN_PROGRESS', 3: 'SUPPRESSED', 4: 'RESOLVED', 5: 'ARCHIVED', 6: 'ARCHIVED' };

const SEVERITIES = Object.fromEntries(Object.entries(SEVERITY_ID).map(([name, id]) => [id, name])) as Record<number, Severity>;

/** A device's attributes as an event states them; what the event leaves out is stored as unknown (null). */
export function deviceAttributes(device: DeviceSnapshot): DeviceAttributes {
  return {
    name: device.name ?? device.hostname!,
    hostname: device.hostname ?? device.name!,
    ip: device.ip ?? null,
    type: DEVICE_TYPES[device.typeId] ?? 'OTHER',
    os: device.os ? { name: device.os.name, version: device.os.version ?? null, type: OS_TYPES[device.os.typeId] ?? 'OTHER' } : null,
    region: device.region ?? null,
    ownerUid: device.ownerUid ?? null,
  };
}

export function cloudResourceAttributes(resource: CloudResourceSnapshot): CloudResourceAttributes {
  return {
    name: resource.name ?? resource.uid,
    provider: resource.provider,
    resourceType: resource.type,
    region: resource.region ?? null,
    accountUid: resource.accountUid ?? null,
  };
}

export function statedFinding(vulnerability: VulnerabilityObservation, statusId: number, version: string): StatedFinding {
  const severity = SEVERITIES[vulnerability.severityId];
  return {
    cve: {
      uid: vulnerability.cveUid,
      title: vulnerability.title ?? null,
      cvss: vulnerability.cvss ?? null,
      epss: vulnerability.epss ?? null,
      publishedAt: vulnerability.publishedAt === undefined ? null : new Date(vulnerability.publishedAt),
    },
    severity,
    severityId: SEVERITY_ID[severity],
    status: FINDING_STATUSES[statusId] ?? 'OTHER',
    fixAvailable: vulnerability.fixAvailable,
    firstSeenAt: new Date(vulnerability.firstSeenAt),
    lastSeenAt: new Date(vulnerability.lastSeenAt),
    observedVersion: version,
  };
}
