-- Row-level security. The service reads through palisade_identity_reader, a role that owns nothing and may
-- only SELECT, with the verified principal's tenant set for the transaction (SET LOCAL palisade.tenant). The
-- policies hold for the tables' owner too (FORCE), so a query that forgets its tenant filter, or a write by
-- the owner for a tenant other than the one set, still cannot cross tenants. With no tenant set, no row is
-- visible and none can be written.
DO $$
BEGIN
  CREATE ROLE palisade_identity_reader NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
  -- The role is cluster-wide: another database of the same server created it first.
  NULL;
END
$$;
-- The login role that runs the service switches to the reader role for every request.
GRANT palisade_identity_reader TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO palisade_identity_reader;
GRANT SELECT ON users, groups, roles, accounts, group_memberships, role_assignments TO palisade_identity_reader;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
  USING (tenant = current_setting('palisade.tenant', true))
  WITH CHECK (tenant = current_setting('palisade.tenant', true));

ALTER TABLE groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON groups
  USING (tenant = current_setting('palisade.tenant', true))
  WITH CHECK (tenant = current_setting('palisade.tenant', true));

ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON roles
  USING (tenant = current_setting('palisade.tenant', true))
  WITH CHECK (tenant = current_setting('palisade.tenant', true));

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON accounts
  USING (tenant = current_setting('palisade.tenant', true))
  WITH CHECK (tenant = current_setting('palisade.tenant', true));

ALTER TABLE group_memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE group_memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON group_memberships
  USING (tenant = current_setting('palisade.tenant', true))
  WITH CHECK (tenant = current_setting('palisade.tenant', true));

ALTER TABLE role_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE role_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON role_assignments
  USING (tenant = current_setting('palisade.tenant', true))
  WITH CHECK (tenant = current_setting('palisade.tenant', true));
