/**
 * The records the demo data generator produces, in the shape each subgraph stores them. Identity rows
 * become PostgreSQL rows; assets and incidents are MongoDB documents. Each subgraph loads only its own part.
 */
import type { Severity } from '../subgraphs/assets/src/data/severity';

export type { Severity };
export type IncidentStatus = 'NEW' | 'IN_PROGRESS' | 'ON_HOLD' | 'RESOLVED' | 'CLOSED';

export interface UserRecord {
  tenant: string;
  uid: string;
  name: string;
  email: string | null;
  type: 'USER' | 'ADMIN' | 'SYSTEM' | 'SERVICE';
  hasMfa: boolean;
  riskLevel: 'INFO' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  department: string | null;
  title: string | null;
  managerUid: string | null;
  createdAt: Date;
}

export interface GroupRecord {
  tenant: string;
  uid: string;
  name: string;
  description: string;
  privileges: string[];
}

export interface RoleRecord {
  tenant: string;
  uid: string;
  name: string;
  description: string;
}

export interface AccountRecord {
  tenant: string;
  uid: string;
  userUid: string;
  name: string;
  type: 'LDAP' | 'WINDOWS' | 'AWS_IAM_USER' | 'AWS_IAM_ROLE' | 'GCP' | 'AZURE_AD' | 'LINUX' | 'GOOGLE_WORKSPACE';
}

export interface MembershipRecord {
  tenant: string;
  groupUid: string;
  userUid: string;
}

export interface RoleAssignmentRecord {
  tenant: string;
  roleUid: string;
  userUid: string;
}

export interface VulnerabilityRecord {
  uid: string;
  cve: { uid: string; title: string; cvss: number; epss: number; publishedAt: Date };
  severity: Severity;
  /** Numeric OCSF severity_id, stored so that "at least HIGH" is a range query. */
  severityId: number;
  status: 'NEW' | 'IN_PROGRESS' | 'SUPPRESSED' | 'RESOLVED' | 'ARCHIVED';
  fixAvailable: boolean;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

interface AssetBase {
  tenant: string;
  uid: string;
  name: string;
  criticality: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  region: string | null;
  ownerUid: string | null;
  createdAt: Date;
  vulnerabilities: VulnerabilityRecord[];
}

export interface DeviceRecord extends AssetBase {
  kind: 'DEVICE';
  hostname: string;
  ip: string;
  type: 'SERVER' | 'DESKTOP' | 'LAPTOP' | 'VIRTUAL' | 'MOBILE' | 'FIREWALL' | 'ROUTER' | 'IOT';
  os: { name: string; version: string; type: 'WINDOWS' | 'LINUX' | 'MACOS' | 'ANDROID' | 'IOS' | 'OTHER' };
}

export interface CloudResourceRecord extends AssetBase {
  kind: 'CLOUD_RESOURCE';
  provider: 'AWS' | 'AZURE' | 'GCP';
  resourceType: string;
  accountUid: string;
}

export interface ApplicationRecord extends AssetBase {
  kind: 'APPLICATION';
  vendor: string;
  version: string;
  url: string;
}

export type AssetRecord = DeviceRecord | CloudResourceRecord | ApplicationRecord;

export interface ObservableRecord {
  name: string;
  type: 'HOSTNAME' | 'IP_ADDRESS' | 'USER_NAME' | 'EMAIL_ADDRESS' | 'URL_STRING' | 'FILE_NAME' | 'HASH' | 'PROCESS_NAME' | 'DOMAIN';
  value: string;
}

export interface FindingRecord {
  uid: string;
  title: string;
  severity: Severity;
  createdAt: Date;
  observables: ObservableRecord[];
}

export interface TimelineRecord {
  at: Date;
  kind: 'CREATED' | 'STATUS_CHANGED' | 'REOPENED' | 'ASSIGNED' | 'NOTE_ADDED';
  message: string;
  actorUid: string | null;
  fromStatus: IncidentStatus | null;
  toStatus: IncidentStatus | null;
}

export interface IncidentRecord {
  tenant: string;
  uid: string;
  title: string;
  description: string;
  severity: Severity;
  severityId: number;
  status: IncidentStatus;
  verdict: 'UNKNOWN' | 'FALSE_POSITIVE' | 'TRUE_POSITIVE' | 'SUSPICIOUS' | 'BENIGN' | 'SECURITY_RISK' | 'DUPLICATE';
  priority: 'UNKNOWN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  assigneeUid: string | null;
  assigneeGroupUid: string | null;
  affectedAssets: Array<{ uid: string; role: 'TARGET' | 'SOURCE' | 'AFFECTED' | 'RELATED' }>;
  affectedUserUids: string[];
  findings: FindingRecord[];
  timeline: TimelineRecord[];
}

export interface DemoData {
  identity: {
    users: UserRecord[];
    groups: GroupRecord[];
    roles: RoleRecord[];
    accounts: AccountRecord[];
    memberships: MembershipRecord[];
    roleAssignments: RoleAssignmentRecord[];
  };
  assets: AssetRecord[];
  incidents: IncidentRecord[];
}
