-- 0001_initial: the whole data model of DESIGN.md (SQLite dialect).
--
-- Conventions, kept by every later migration:
--   * ids are ULID text, except audit_log.id (a monotonic integer for paging);
--   * every timestamp is INTEGER unix milliseconds, UTC (sorts and compares
--     cheaply; the C++ side converts to rmgr::TimePoint);
--   * JSON is TEXT guarded by json_valid(); booleans are INTEGER 0/1;
--   * enumerations are lower-case text guarded by CHECK, spelled as the
--     C++ ToString() of the matching enum in server/store/store_types.h;
--   * "no value" text is '' unless NULL carries meaning (foreign keys,
--     optional timestamps, results not yet known);
--   * a parent referenced by child rows that must not vanish silently uses
--     the default NO ACTION (checked at statement end, so cascades from one
--     host delete still work), history uses SET NULL, owned rows CASCADE.
-- schema_migrations is created by the migrator, not here.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  created_at    INTEGER NOT NULL,
  disabled_at   INTEGER
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_hash  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER,
  UNIQUE (user_id, name)
);

CREATE TABLE hosts (
  id                         TEXT PRIMARY KEY,
  name                       TEXT NOT NULL UNIQUE,
  hostname                   TEXT NOT NULL DEFAULT '',
  os                         TEXT NOT NULL DEFAULT '',
  arch                       TEXT NOT NULL DEFAULT '',
  agent_version              TEXT NOT NULL DEFAULT '',
  restic_version             TEXT NOT NULL DEFAULT '',
  always_on                  INTEGER NOT NULL DEFAULT 1 CHECK (always_on IN (0, 1)),
  -- NULL until the host has an agent token; unique so auth can look it up.
  token_hash                 TEXT UNIQUE,
  schedule_version_canonical INTEGER NOT NULL DEFAULT 0 CHECK (schedule_version_canonical >= 0),
  schedule_version_applied   INTEGER NOT NULL DEFAULT 0 CHECK (schedule_version_applied >= 0),
  schedule_applied_at        INTEGER,
  -- Forward reference: SQLite checks foreign keys when rows change, not at CREATE.
  current_job_id             TEXT REFERENCES jobs (id) ON DELETE SET NULL,
  -- Advisory: written by the server (replica) that holds the agent's connection.
  connected                  INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1)),
  last_seen_at               INTEGER,
  last_backup_at             INTEGER,
  created_at                 INTEGER NOT NULL
);
CREATE INDEX hosts_current_job ON hosts (current_job_id);

CREATE TABLE enrollment_tokens (
  id           TEXT PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER,
  used_by_host TEXT REFERENCES hosts (id) ON DELETE SET NULL,
  revoked_at   INTEGER
);
CREATE INDEX enrollment_tokens_created_by ON enrollment_tokens (created_by);
CREATE INDEX enrollment_tokens_used_by_host ON enrollment_tokens (used_by_host);

CREATE TABLE repositories (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  url               TEXT NOT NULL,
  -- The restic password, sealed with the server key (libsodium); never plain.
  secret_ciphertext BLOB NOT NULL,
  secret_nonce      BLOB NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);

CREATE TABLE source_groups (
  id         TEXT PRIMARY KEY,
  host_id    TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  paths      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(paths) AND json_type(paths) = 'array'),
  excludes   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(excludes) AND json_type(excludes) = 'array'),
  tags       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (host_id, name),
  -- Parent key of schedule_source_groups: a schedule may only use its own host's groups.
  UNIQUE (id, host_id)
);

CREATE TABLE schedules (
  id             TEXT PRIMARY KEY,
  host_id        TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('backup', 'forget', 'prune', 'check')),
  cron           TEXT NOT NULL,
  timezone       TEXT NOT NULL DEFAULT 'UTC',
  repository_id  TEXT NOT NULL REFERENCES repositories (id),
  retention      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(retention)),
  options        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  pre_hook       TEXT NOT NULL DEFAULT '',
  post_hook      TEXT NOT NULL DEFAULT '',
  hook_timeout_s INTEGER NOT NULL DEFAULT 300 CHECK (hook_timeout_s > 0),
  enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  jitter_s       INTEGER NOT NULL DEFAULT 0 CHECK (jitter_s >= 0),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (host_id, name),
  UNIQUE (id, host_id)
);
CREATE INDEX schedules_repository ON schedules (repository_id);

CREATE TABLE schedule_source_groups (
  schedule_id     TEXT NOT NULL,
  host_id         TEXT NOT NULL,
  source_group_id TEXT NOT NULL,
  position        INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, source_group_id),
  FOREIGN KEY (schedule_id, host_id) REFERENCES schedules (id, host_id) ON DELETE CASCADE,
  FOREIGN KEY (source_group_id, host_id) REFERENCES source_groups (id, host_id)
);
CREATE INDEX schedule_source_groups_group ON schedule_source_groups (source_group_id, host_id);
CREATE INDEX schedule_source_groups_host ON schedule_source_groups (host_id);

CREATE TABLE jobs (
  id              TEXT PRIMARY KEY,
  host_id         TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('backup', 'forget', 'prune', 'check', 'restore',
                                                'init', 'unlock', 'snapshots', 'ls')),
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'dispatched', 'running', 'succeeded', 'partial',
                                    'failed', 'cancelled', 'interrupted', 'lost')),
  actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('user', 'schedule', 'catchup', 'api')),
  actor_id        TEXT NOT NULL DEFAULT '',
  schedule_id     TEXT REFERENCES schedules (id) ON DELETE SET NULL,
  source_group_id TEXT REFERENCES source_groups (id) ON DELETE SET NULL,
  repository_id   TEXT REFERENCES repositories (id) ON DELETE SET NULL,
  -- The cron slot a scheduled job was fired for (not the time the fire arrived).
  scheduled_at    INTEGER,
  -- Source-group part of the fire-slot key: the group id, or '' for a
  -- schedule without groups; NULL for jobs that are not fires. A copy rather
  -- than source_group_id so that SET NULL on a deleted group can never make
  -- two historical jobs collide.
  fire_group      TEXT,
  created_at      INTEGER NOT NULL,
  dispatched_at   INTEGER,
  started_at      INTEGER,
  finished_at     INTEGER,
  exit_code       INTEGER,
  error           TEXT NOT NULL DEFAULT '',
  error_kind      TEXT NOT NULL DEFAULT '',
  snapshot_id     TEXT NOT NULL DEFAULT '',
  summary         TEXT CHECK (summary IS NULL OR json_valid(summary)),
  progress        TEXT CHECK (progress IS NULL OR json_valid(progress)),
  args            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(args)),
  -- The unique fire slot: a re-sent schedule.fire never makes a second job.
  CONSTRAINT jobs_fire_slot UNIQUE (schedule_id, scheduled_at, fire_group)
);
CREATE INDEX jobs_created ON jobs (created_at, id);
CREATE INDEX jobs_host_created ON jobs (host_id, created_at, id);
CREATE INDEX jobs_status_created ON jobs (status, created_at, id);
CREATE INDEX jobs_kind_created ON jobs (kind, created_at, id);
CREATE INDEX jobs_source_group ON jobs (source_group_id);
CREATE INDEX jobs_repository ON jobs (repository_id);

CREATE TABLE job_logs (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq    INTEGER NOT NULL CHECK (seq >= 0),
  stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'hook', 'agent')),
  at     INTEGER NOT NULL,
  text   TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE schedule_group_state (
  schedule_id     TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  source_group_id TEXT NOT NULL REFERENCES source_groups (id) ON DELETE CASCADE,
  last_success_at INTEGER,
  last_job_id     TEXT REFERENCES jobs (id) ON DELETE SET NULL,
  last_status     TEXT CHECK (last_status IS NULL OR
                              last_status IN ('succeeded', 'partial', 'failed', 'cancelled',
                                              'interrupted', 'lost')),
  PRIMARY KEY (schedule_id, source_group_id)
);
CREATE INDEX schedule_group_state_group ON schedule_group_state (source_group_id);
CREATE INDEX schedule_group_state_job ON schedule_group_state (last_job_id);

-- Coalesced: at most one pending run per schedule (the latest slot wins).
CREATE TABLE pending_runs (
  schedule_id  TEXT PRIMARY KEY,
  host_id      TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  scheduled_at INTEGER NOT NULL,
  FOREIGN KEY (schedule_id, host_id) REFERENCES schedules (id, host_id) ON DELETE CASCADE
);
CREATE INDEX pending_runs_host ON pending_runs (host_id, requested_at);

CREATE TABLE snapshots (
  repository_id TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  snapshot_id   TEXT NOT NULL,
  short_id      TEXT NOT NULL,
  time          INTEGER NOT NULL,
  hostname      TEXT NOT NULL DEFAULT '',
  paths         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(paths)),
  tags          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  size_bytes    INTEGER,
  indexed_at    INTEGER NOT NULL,
  PRIMARY KEY (repository_id, snapshot_id)
);
CREATE INDEX snapshots_time ON snapshots (repository_id, time);

-- Append-only history: no foreign keys, targets may since have been deleted.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'api', 'schedule', 'catchup', 'agent', 'system')),
  actor_id    TEXT NOT NULL DEFAULT '',
  action      TEXT NOT NULL CHECK (action <> ''),
  target_kind TEXT NOT NULL DEFAULT '',
  target_id   TEXT NOT NULL DEFAULT '',
  source_addr TEXT NOT NULL DEFAULT '',
  detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id);
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);

CREATE TABLE notification_channels (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind <> ''),
  name       TEXT NOT NULL UNIQUE,
  config     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
