/** Rows as the repositories return them: columns aliased to the GraphQL field names, enums as their GraphQL names. */

export type UserType = 'UNKNOWN' | 'USER' | 'ADMIN' | 'SYSTEM' | 'SERVICE' | 'OTHER';
export type RiskLevel = 'INFO' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'OTHER';
export type AccountType =
  | 'UNKNOWN'
  | 'LDAP'
  | 'WINDOWS'
  | 'AWS_IAM_USER'
  | 'AWS_IAM_ROLE'
  | 'GCP'
  | 'AZURE_AD'
  | 'MAC_OS'
  | 'LINUX'
  | 'AWS_ACCOUNT'
  | 'GOOGLE_WORKSPACE'
  | 'OTHER';

export interface UserRow {
  uid: string;
  tenant: string;
  name: string;
  email: string | null;
  type: UserType;
  hasMfa: boolean;
  riskLevel: RiskLevel;
  department: string | null;
  title: string | null;
  /** Resolved to a User by User.manager through the user loader. */
  managerUid: string | null;
  createdAt: Date;
}

export interface GroupRow {
  uid: string;
  tenant: string;
  name: string;
  description: string | null;
  privileges: string[];
}

export interface RoleRow {
  uid: string;
  name: string;
  description: string | null;
}

export interface AccountRow {
  uid: string;
  name: string;
  type: AccountType;
}

/** Users and groups are both listed by name, then uid; a cursor holds those two values of the last row seen. */
export function nameCursorKey(row: { name: string; uid: string }): [string, string] {
  return [row.name, row.uid];
}
