-- 0010_stats_and_drills: two job kinds (issue 11), "stats" (the repository's
-- real size, queued by the server's stats planner) and "drill" (a restore
-- drill; schedulable), the error kind "verify_mismatch" of a failed drill,
-- the actor "system" for jobs the server queues itself, and the time series
-- of repository sizes.
--
-- SQLite cannot change a column CHECK in place, so jobs and schedules are
-- rebuilt (https://sqlite.org/lang_altertable.html#otheralter): the store runs
-- migrations with foreign_keys=OFF and ends each with foreign_key_check, so
-- dropping the old table neither cascades nor leaves a dangling reference;
-- the other tables' REFERENCES name the table, which the rename gives back.
-- Every column, constraint, index and trigger is carried over. The lists are
-- tested against common/protocol/enums.h by server/store/vocabulary_test.cpp.

CREATE TABLE jobs_0010 (
  id              TEXT PRIMARY KEY,
  host_id         TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('backup', 'forget', 'prune', 'check', 'restore',
                                                'init', 'unlock', 'snapshots', 'ls', 'stats', 'drill')),
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'dispatched', 'running', 'succeeded', 'partial',
                                    'failed', 'cancelled', 'interrupted', 'lost')),
  actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('user', 'schedule', 'catchup', 'api', 'system')),
  actor_id        TEXT NOT NULL DEFAULT '',
  schedule_id     TEXT REFERENCES schedules (id) ON DELETE SET NULL,
  source_group_id TEXT REFERENCES source_groups (id) ON DELETE SET NULL,
  repository_id   TEXT REFERENCES repositories (id) ON DELETE SET NULL,
  scheduled_at    INTEGER,
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
  cancel_requested_at INTEGER,
  window_slot     INTEGER,
  CONSTRAINT jobs_fire_slot UNIQUE (schedule_id, scheduled_at, fire_group)
);
INSERT INTO jobs_0010 (id, host_id, kind, status, actor_kind, actor_id, schedule_id, source_group_id,
                       repository_id, scheduled_at, fire_group, created_at, dispatched_at, started_at,
                       finished_at, exit_code, error, error_kind, snapshot_id, summary, progress, args,
                       cancel_requested_at, window_slot)
SELECT id, host_id, kind, status, actor_kind, actor_id, schedule_id, source_group_id,
       repository_id, scheduled_at, fire_group, created_at, dispatched_at, started_at,
       finished_at, exit_code, error, error_kind, snapshot_id, summary, progress, args,
       cancel_requested_at, window_slot
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_0010 RENAME TO jobs;
CREATE INDEX jobs_created ON jobs (created_at, id);
CREATE INDEX jobs_host_created ON jobs (host_id, created_at, id);
CREATE INDEX jobs_status_created ON jobs (status, created_at, id);
CREATE INDEX jobs_kind_created ON jobs (kind, created_at, id);
CREATE INDEX jobs_source_group ON jobs (source_group_id);
CREATE INDEX jobs_repository ON jobs (repository_id);
CREATE INDEX jobs_schedule_window ON jobs (schedule_id, window_slot);
-- 0008's, for the alert engine's job-outcome rules.
CREATE INDEX jobs_schedule_finished ON jobs (schedule_id, source_group_id, finished_at);
CREATE INDEX jobs_host_repository_finished ON jobs (host_id, repository_id, finished_at);
-- The stats planner and the "last verified restore" read by repository/host and kind.
CREATE INDEX jobs_repository_kind ON jobs (repository_id, kind, created_at);

CREATE TRIGGER jobs_error_kind_insert BEFORE INSERT ON jobs
WHEN NEW.error_kind NOT IN ('', 'wrong_password', 'repository_missing', 'repository_locked', 'hook_failed',
                            'other', 'timeout', 'cancelled', 'interrupted', 'lost', 'verify_mismatch')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.error_kind');
END;

CREATE TRIGGER jobs_error_kind_update BEFORE UPDATE OF error_kind ON jobs
WHEN NEW.error_kind NOT IN ('', 'wrong_password', 'repository_missing', 'repository_locked', 'hook_failed',
                            'other', 'timeout', 'cancelled', 'interrupted', 'lost', 'verify_mismatch')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.error_kind');
END;

CREATE TABLE schedules_0010 (
  id             TEXT PRIMARY KEY,
  host_id        TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('backup', 'forget', 'prune', 'check', 'drill')),
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
  max_runtime_s  INTEGER NOT NULL DEFAULT 0 CHECK (max_runtime_s >= 0),
  UNIQUE (host_id, name),
  UNIQUE (id, host_id)
);
INSERT INTO schedules_0010 (id, host_id, name, kind, cron, timezone, repository_id, retention, options,
                            pre_hook, post_hook, hook_timeout_s, enabled, jitter_s, created_at, updated_at,
                            max_runtime_s)
SELECT id, host_id, name, kind, cron, timezone, repository_id, retention, options,
       pre_hook, post_hook, hook_timeout_s, enabled, jitter_s, created_at, updated_at, max_runtime_s
FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_0010 RENAME TO schedules;
CREATE INDEX schedules_repository ON schedules (repository_id);
CREATE INDEX schedules_name ON schedules (name, id);

-- One row per finished stats job: the repository's size at `at`.
CREATE TABLE repository_stats (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  repository_id       TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  at                  INTEGER NOT NULL,
  raw_data_bytes      INTEGER NOT NULL CHECK (raw_data_bytes >= 0),
  uncompressed_bytes  INTEGER CHECK (uncompressed_bytes IS NULL OR uncompressed_bytes >= 0),
  restore_size_bytes  INTEGER NOT NULL CHECK (restore_size_bytes >= 0),
  snapshots           INTEGER NOT NULL CHECK (snapshots >= 0),
  blobs               INTEGER NOT NULL CHECK (blobs >= 0),
  job_id              TEXT UNIQUE REFERENCES jobs (id) ON DELETE SET NULL
);
CREATE INDEX repository_stats_at ON repository_stats (repository_id, at);
