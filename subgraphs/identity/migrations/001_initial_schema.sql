-- Identity: users, groups, roles, accounts and who belongs to what. Every row carries its tenant, and every
-- reference between rows includes the tenant, so a row can never point into another tenant. Uids are unique
-- across tenants; (tenant, uid) is unique as well so that references can include the tenant.
-- Enum CHECKs list the values of the GraphQL enums in schema.graphql.

CREATE TABLE users (
  uid         text PRIMARY KEY,
  tenant      text NOT NULL,
  name        text NOT NULL,
  email       text,
  type        text NOT NULL CHECK (type IN ('UNKNOWN', 'USER', 'ADMIN', 'SYSTEM', 'SERVICE', 'OTHER')),
  has_mfa     boolean NOT NULL DEFAULT false,
  risk_level  text NOT NULL CHECK (risk_level IN ('INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'OTHER')),
  department  text,
  title       text,
  manager_uid text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, uid),
  FOREIGN KEY (tenant, manager_uid) REFERENCES users (tenant, uid)
);
-- Users sorted by name then uid (keyset pagination), and the type filter.
CREATE INDEX users_tenant_name_uid ON users (tenant, name, uid);
CREATE INDEX users_tenant_type ON users (tenant, type);

CREATE TABLE groups (
  uid         text PRIMARY KEY,
  tenant      text NOT NULL,
  name        text NOT NULL,
  description text,
  privileges  text[] NOT NULL DEFAULT '{}',
  UNIQUE (tenant, uid)
);
CREATE INDEX groups_tenant_name_uid ON groups (tenant, name, uid);

CREATE TABLE roles (
  uid         text PRIMARY KEY,
  tenant      text NOT NULL,
  name        text NOT NULL,
  description text,
  UNIQUE (tenant, uid)
);

CREATE TABLE accounts (
  uid      text PRIMARY KEY,
  tenant   text NOT NULL,
  user_uid text NOT NULL,
  name     text NOT NULL,
  type     text NOT NULL CHECK (type IN ('UNKNOWN', 'LDAP', 'WINDOWS', 'AWS_IAM_USER', 'AWS_IAM_ROLE', 'GCP', 'AZURE_AD',
                                         'MAC_OS', 'LINUX', 'AWS_ACCOUNT', 'GOOGLE_WORKSPACE', 'OTHER')),
  FOREIGN KEY (tenant, user_uid) REFERENCES users (tenant, uid)
);
CREATE INDEX accounts_tenant_user_uid ON accounts (tenant, user_uid);

CREATE TABLE group_memberships (
  tenant    text NOT NULL,
  group_uid text NOT NULL,
  user_uid  text NOT NULL,
  PRIMARY KEY (group_uid, user_uid),
  FOREIGN KEY (tenant, group_uid) REFERENCES groups (tenant, uid),
  FOREIGN KEY (tenant, user_uid) REFERENCES users (tenant, uid)
);
-- The primary key serves members by group; this serves groups by user.
CREATE INDEX group_memberships_user_uid ON group_memberships (user_uid);

CREATE TABLE role_assignments (
  tenant   text NOT NULL,
  role_uid text NOT NULL,
  user_uid text NOT NULL,
  PRIMARY KEY (role_uid, user_uid),
  FOREIGN KEY (tenant, role_uid) REFERENCES roles (tenant, uid),
  FOREIGN KEY (tenant, user_uid) REFERENCES users (tenant, uid)
);
CREATE INDEX role_assignments_user_uid ON role_assignments (user_uid);
