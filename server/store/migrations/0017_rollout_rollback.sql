-- 0017_rollout_rollback: a failed rollout rolls back the hosts of its
-- stopped wave that came up healthy on the new version (docs/agent-updates.md).
-- A host the server has asked (or will ask at its next hello) to go back to its
-- previous version is 'rolling_back'; it ends 'rolled_back' when its agent
-- reports it, or 'failed' when it refuses or does not answer in time.
--
-- SQLite cannot change a column CHECK in place, so rollout_hosts is rebuilt
-- (as 0010 does; migrations run with foreign_keys=OFF and end with
-- foreign_key_check). Nothing references rollout_hosts.

CREATE TABLE rollout_hosts_0017 (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  wave INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'updating', 'done', 'failed', 'rolled_back', 'skipped',
                                       'rolling_back')),
  from_version TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  deadline_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, host_id)
);
INSERT INTO rollout_hosts_0017 (rollout_id, host_id, position, wave, state, from_version, error, deadline_at,
                                updated_at)
  SELECT rollout_id, host_id, position, wave, state, from_version, error, deadline_at, updated_at
  FROM rollout_hosts;
DROP TABLE rollout_hosts;
ALTER TABLE rollout_hosts_0017 RENAME TO rollout_hosts;
CREATE INDEX rollout_hosts_host ON rollout_hosts (host_id);
