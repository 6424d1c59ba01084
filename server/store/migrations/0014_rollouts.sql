-- 0014_rollouts: rolling agent updates (docs/agent-updates.md). A rollout
-- sends one signed agent release to an ordered list of hosts, wave_size at a
-- time; each host's row says where it is. The bundle's facts (path, size,
-- SHA-256, signature) are copied from the release at creation, so a running
-- rollout never changes what it installs. Everything the engine decides is
-- here, so a server restart resumes where it stopped.
CREATE TABLE rollouts (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  bundle_path TEXT NOT NULL,
  bundle_size INTEGER NOT NULL CHECK (bundle_size > 0),
  bundle_sha256 TEXT NOT NULL,
  signature TEXT NOT NULL,
  wave_size INTEGER NOT NULL CHECK (wave_size >= 1),
  selector TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
  error TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX rollouts_state ON rollouts (state);

CREATE TABLE rollout_hosts (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  wave INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'updating', 'done', 'failed', 'rolled_back', 'skipped')),
  from_version TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  deadline_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, host_id)
);
CREATE INDEX rollout_hosts_host ON rollout_hosts (host_id);
