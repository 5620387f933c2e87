-- Ingestion of User Inventory Info events. Each row written from an event holds the version of the state it
-- holds (the event's time and id, as a string that sorts as versions compare, in byte order), so that an older
-- event arriving late, or the same event again, changes nothing. Rows that no event wrote have none: any event
-- is newer. A user's manager that no event has named a user yet waits in pending_manager_uid (the reference to
-- users would refuse it) and becomes manager_uid when that user arrives.
ALTER TABLE users ADD COLUMN observed_version text COLLATE "C";
ALTER TABLE users ADD COLUMN pending_manager_uid text;
ALTER TABLE groups ADD COLUMN observed_version text COLLATE "C";
ALTER TABLE accounts ADD COLUMN observed_version text COLLATE "C";
CREATE INDEX users_tenant_pending_manager ON users (tenant, pending_manager_uid) WHERE pending_manager_uid IS NOT NULL;
