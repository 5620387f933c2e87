/**
 * The demo world the generator describes: people, groups, assets and incidents of two tenants. These types
 * belong to the generator alone. They say nothing about how a subgraph stores anything: each subgraph maps
 * the records it seeds to its own record types, and no production type is derived from these.
 */

/** OCSF severity names, as the generator assigns them. */
export type DemoSeverity = 'UNKNOWN' | 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'FATAL' | 'OTHER';
export type DemoIncidentStatus = 'NEW' | 'IN_PROGRESS' | 'ON_HOLD' | 'RESOLVED' | 'CLOSED';

export interface DemoUser {
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

export interface DemoGroup {
  tenant: string;
  uid: string;
  name: string;
  description: string;
  privileges: string[];
}

export interface DemoRole {
  tenant: string;
  uid: string;
  name: string;
  description: string;
}

export interface DemoAccount {
  tenant: string;
  uid: string;
  userUid: string;
  name: string;
  type: 'LDAP' | 'WINDOWS' | 'AWS_IAM_USER' | 'AWS_IAM_ROLE' | 'GCP' | 'AZURE_AD' | 'LINUX' | 'GOOGLE_WORKSPACE';
}

export interface DemoMembership {
  tenant: string;
  groupUid: string;
  userUid: string;
}

export interface DemoRoleAssignment {
  tenant: string;
  roleUid: string;
  userUid: string;
}

export interface DemoCve {
  uid: string;
  title: string;
  cvss: number;
  epss: number;
  publishedAt: Date;
}

export interface DemoVulnerability {
  uid: string;
  cve: DemoCve;
  severity: DemoSeverity;
  status: 'NEW' | 'IN_PROGRESS' | 'SUPPRESSED' | 'RESOLVED' | 'ARCHIVED';
  fixAvailable: boolean;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

interface DemoAssetBase {
  tenant: string;
  uid: string;
  name: string;
  criticality: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  region: string | null;
  ownerUid: string | null;
  createdAt: Date;
  vulnerabilities: DemoVulnerability[];
}

export interface DemoDevice extends DemoAssetBase {
  kind: 'DEVICE';
  hostname: string;
  ip: string;
  type: 'SERVER' | 'DESKTOP' | 'LAPTOP' | 'VIRTUAL' | 'MOBILE' | 'FIREWALL' | 'ROUTER';
  os: { name: string; version: string; type: 'WINDOWS' | 'LINUX' | 'MACOS' };
}

export interface DemoCloudResource extends DemoAssetBase {
  kind: 'CLOUD_RESOURCE';
  provider: 'AWS' | 'AZURE' | 'GCP';
  resourceType: string;
  accountUid: string;
}

export interface DemoApplication extends DemoAssetBase {
  kind: 'APPLICATION';
  vendor: string;
  version: string;
  url: string;
}

export type DemoAsset = DemoDevice | DemoCloudResource | DemoApplication;

export interface DemoObservable {
  name: string;
  type: 'HOSTNAME' | 'IP_ADDRESS' | 'USER_NAME' | 'HASH' | 'PROCESS_NAME' | 'DOMAIN';
  value: string;
}

export interface DemoFinding {
  uid: string;
  title: string;
  severity: DemoSeverity;
  createdAt: Date;
  observables: DemoObservable[];
}

export interface DemoTimelineEntry {
  at: Date;
  kind: 'CREATED' | 'STATUS_CHANGED' | 'ASSIGNED';
  message: string;
  actorUid: string | null;
  fromStatus: DemoIncidentStatus | null;
  toStatus: DemoIncidentStatus | null;
}

export interface DemoIncident {
  tenant: string;
  uid: string;
  title: string;
  description: string;
  severity: DemoSeverity;
  status: DemoIncidentStatus;
  verdict: 'UNKNOWN' | 'FALSE_POSITIVE' | 'TRUE_POSITIVE' | 'SUSPICIOUS' | 'BENIGN' | 'SECURITY_RISK' | 'DUPLICATE';
  priority: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  assigneeUid: string | null;
  assigneeGroupUid: string | null;
  affectedAssets: Array<{ uid: string; role: 'TARGET' | 'SOURCE' | 'AFFECTED' | 'RELATED' }>;
  affectedUserUids: string[];
  findings: DemoFinding[];
  timeline: DemoTimelineEntry[];
}

export interface DemoData {
  identity: {
    users: DemoUser[];
    groups: DemoGroup[];
    roles: DemoRole[];
    accounts: DemoAccount[];
    memberships: DemoMembership[];
    roleAssignments: DemoRoleAssignment[];
  };
  assets: DemoAsset[];
  incidents: DemoIncident[];
}
