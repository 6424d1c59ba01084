-- 0003_enrollment_and_snapshot_hosts: what the REST API needs beyond 0001.
--   * An enrollment token may be bound to a pre-registered host (POST
--     /enrollment-tokens {"host_id"}); a token for a deleted host is useless,
--     so it goes with the host. (used_by_host stays history: SET NULL.)
--   * An indexed snapshot records which of our hosts made it, so a
--     repository's snapshots can be listed per host; history: SET NULL.
--   * Keyset paging indexes for the listings across all hosts.
-- ALTER TABLE ADD COLUMN with REFERENCES needs a NULL default, which these have.

ALTER TABLE enrollment_tokens ADD COLUMN host_id TEXT REFERENCES hosts (id) ON DELETE CASCADE;
CREATE INDEX enrollment_tokens_host ON enrollment_tokens (host_id);
CREATE INDEX enrollment_tokens_created ON enrollment_tokens (created_at, id);

ALTER TABLE snapshots ADD COLUMN host_id TEXT REFERENCES hosts (id) ON DELETE SET NULL;
CREATE INDEX snapshots_host_time ON snapshots (repository_id, host_id, time);
CREATE INDEX snapshots_host ON snapshots (host_id);

CREATE INDEX source_groups_name ON source_groups (name, id);
CREATE INDEX schedules_name ON schedules (name, id);
