-- 0008_alerts: the alert engine (issue 11). Names are the ToString() of the
-- enums in server/store/alert_types.h; server/store/vocabulary_test.cpp
-- checks these CHECK lists against them.

-- One row per occurrence of a rule's condition for one subject. At most one
-- unresolved row per (kind, subject_key): the de-duplication.
CREATE TABLE alerts (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('host_unprotected', 'host_offline', 'job_failed', 'job_partial',
                                                 'check_failed', 'repository_locked', 'schedule_drift',
                                                 'agent_outdated', 'drill_failed')),
  severity         TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  state            TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'silenced', 'resolved')),
  subject_key      TEXT NOT NULL CHECK (subject_key <> ''),
  host_id          TEXT NOT NULL,  -- no foreign key: an alert outlives a deleted host (resolved)
  host_name        TEXT NOT NULL,
  schedule_id      TEXT,
  source_group_id  TEXT,
  repository_id    TEXT,
  job_id           TEXT,
  subject          TEXT NOT NULL,
  reason           TEXT NOT NULL,
  started_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  resolved_at      INTEGER,
  acknowledged_at  INTEGER,
  acknowledged_by  TEXT,
  silenced_until   INTEGER,
  silenced_by      TEXT,
  last_notified_at INTEGER,
  notify_count     INTEGER NOT NULL DEFAULT 0 CHECK (notify_count >= 0),
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
  CHECK (state <> 'silenced' OR silenced_until IS NOT NULL),
  CHECK (state <> 'acknowledged' OR acknowledged_at IS NOT NULL)
);
CREATE UNIQUE INDEX alerts_open_subject ON alerts (kind, subject_key) WHERE state <> 'resolved';
CREATE INDEX alerts_started ON alerts (started_at, id);
CREATE INDEX alerts_state_started ON alerts (state, started_at, id);
CREATE INDEX alerts_host_started ON alerts (host_id, started_at, id);

-- An admin's changes to a rule; a kind without a row runs on its defaults.
CREATE TABLE alert_rules (
  kind       TEXT PRIMARY KEY CHECK (kind IN ('host_unprotected', 'host_offline', 'job_failed', 'job_partial',
                                              'check_failed', 'repository_locked', 'schedule_drift',
                                              'agent_outdated', 'drill_failed')),
  enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  params     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params) AND json_type(params) = 'object'),
  updated_at INTEGER NOT NULL
);

-- When a host's canonical schedule version last moved (schedule drift is
-- measured from it). NULL for hosts whose version moved before this column.
ALTER TABLE hosts ADD COLUMN schedule_changed_at INTEGER;

-- The job-outcome rules ask "the newest decisive job of this schedule ×
-- group" and "of this host × repository".
CREATE INDEX jobs_schedule_finished ON jobs (schedule_id, source_group_id, finished_at);
CREATE INDEX jobs_host_repository_finished ON jobs (host_id, repository_id, finished_at);
