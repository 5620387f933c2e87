import type { OcsfEnum } from './fields';

/*
 * The OCSF 1.x enums that Palisade reads, as OCSF 1.8 defines them (each later 1.x release only added values).
 * An id outside these is refused, so that a typo or a value from another field never lands silently as Other.
 */

/** base_event severity_id. */
export const SEVERITY: OcsfEnum = { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other' };

/** finding activity_id. */
export const FINDING_ACTIVITY: OcsfEnum = { 0: 'Unknown', 1: 'Create', 2: 'Update', 3: 'Close', 99: 'Other' };
export const FINDING_ACTIVITY_CLOSE = 3;

/** finding status_id. */
export const FINDING_STATUS: OcsfEnum = { 0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 5: 'Archived', 6: 'Deleted', 99: 'Other' };

/** device type_id. */
export const DEVICE_TYPE: OcsfEnum = {
  0: 'Unknown',
  1: 'Server',
  2: 'Desktop',
  3: 'Laptop',
  4: 'Tablet',
  5: 'Mobile',
  6: 'Virtual',
  7: 'IOT',
  8: 'Browser',
  9: 'Firewall',
  10: 'Switch',
  11: 'Hub',
  12: 'Router',
  13: 'IDS',
  14: 'IPS',
  15: 'Load Balancer',
  99: 'Other',
};

/** os type_id. */
export const OS_TYPE: OcsfEnum = {
  0: 'Unknown',
  100: 'Windows',
  101: 'Windows Mobile',
  200: 'Linux',
  201: 'Android',
  300: 'macOS',
  301: 'iOS',
  302: 'iPadOS',
  400: 'Solaris',
  401: 'AIX',
  402: 'HP-UX',
  99: 'Other',
};

/** user type_id. */
export const USER_TYPE: OcsfEnum = { 0: 'Unknown', 1: 'User', 2: 'Admin', 3: 'System', 4: 'Service', 99: 'Other' };

/** risk_level_id. */
export const RISK_LEVEL: OcsfEnum = { 0: 'Info', 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Critical', 99: 'Other' };

/** account type_id. */
export const ACCOUNT_TYPE: OcsfEnum = {
  0: 'Unknown',
  1: 'LDAP Account',
  2: 'Windows Account',
  3: 'AWS IAM User',
  4: 'AWS IAM Role',
  5: 'GCP Account',
  6: 'Azure AD Account',
  7: 'Mac OS Account',
  8: 'Apple Account',
  9: 'Linux Account',
  10: 'AWS Account',
  11: 'GCP Project',
  12: 'OCI Compartment',
  13: 'Azure Subscription',
  14: 'Salesforce Account',
  15: 'Google Workspace',
  16: 'Servicenow Instance',
  17: 'M365 Tenant',
  18: 'Email Account',
  19: 'ActiveDirectory Account',
  99: 'Other',
};

/** analytic type_id. */
export const ANALYTIC_TYPE: OcsfEnum = {
  0: 'Unknown',
  1: 'Rule',
  2: 'Behavioral',
  3: 'Statistical',
  4: 'Learning (ML/DL)',
  5: 'Fingerprinting',
  6: 'Tagging',
  7: 'Keyword Match',
  8: 'Regular Expressions',
  9: 'Exact Data Match',
  10: 'Partial Data Match',
  11: 'Indexed Data Match',
  99: 'Other',
};
