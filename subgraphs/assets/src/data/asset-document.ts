import type { TenantDocument } from '../../../../subgraph-kit/documents';
import type { Severity } from './severity';

/** The collection holding one document per asset, its vulnerability findings embedded. */
export const ASSETS_COLLECTION = 'assets';

export type AssetKind = 'DEVICE' | 'CLOUD_RESOURCE' | 'APPLICATION';
export type Criticality = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type FindingStatus = 'NEW' | 'IN_PROGRESS' | 'SUPPRESSED' | 'RESOLVED' | 'ARCHIVED' | 'OTHER';

/** A vulnerability finding as embedded in its asset. */
export interface VulnerabilityDocument {
  uid: string;
  cve: { uid: string; title: string | null; cvss: number | null; epss: number | null; publishedAt: Date | null };
  severity: Severity;
  /** OCSF severity_id, stored beside the name so that "at least CRITICAL" is a range query. */
  severityId: number;
  status: FindingStatus;
  fixAvailable: boolean;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

interface AssetDocumentBase extends TenantDocument {
  uid: string;
  name: string;
  criticality: Criticality;
  region: string | null;
  ownerUid: string | null;
  createdAt: Date;
  vulnerabilities: VulnerabilityDocument[];
}

export interface DeviceDocument extends AssetDocumentBase {
  kind: 'DEVICE';
  hostname: string;
  ip: string | null;
  type: 'UNKNOWN' | 'SERVER' | 'DESKTOP' | 'LAPTOP' | 'TABLET' | 'MOBILE' | 'VIRTUAL' | 'IOT' | 'FIREWALL' | 'ROUTER' | 'LOAD_BALANCER' | 'OTHER';
  os: { name: string; version: string | null; type: 'UNKNOWN' | 'WINDOWS' | 'LINUX' | 'MACOS' | 'ANDROID' | 'IOS' | 'OTHER' } | null;
}

export interface CloudResourceDocument extends AssetDocumentBase {
  kind: 'CLOUD_RESOURCE';
  provider: 'AWS' | 'AZURE' | 'GCP' | 'OCI';
  resourceType: string;
  accountUid: string | null;
}

export interface ApplicationDocument extends AssetDocumentBase {
  kind: 'APPLICATION';
  vendor: string | null;
  version: string | null;
  url: string | null;
}

/** An asset as the `assets` collection stores it; `kind` tells which one it is. */
export type AssetDocument = DeviceDocument | CloudResourceDocument | ApplicationDocument;
