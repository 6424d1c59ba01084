-- 0005_window_record: what the server needs to account for every window
-- (schedule × source group × cron slot; DESIGN.md "Every window is accounted for").
--   * jobs.window_slot: the slot a job answers. scheduled_at stays the
--     unique fire-slot key; a catch-up retry keeps scheduled_at NULL (so it
--     does not clash with the slot's first job) but still names its window
--     here. Back-filled from scheduled_at.
--   * window_notes: why a window got no job (refused, coalesced, not applied,
--     deferred to catch-up, host offline); a later note for the same window
--     replaces the earlier one. source_group_id is '' for the whole schedule.
--   * host_presence: when each host's agent was connected (open interval:
--     disconnected_at NULL), to tell "host offline" at a slot.
--   * server_runs: when this server was running (started, kept alive every
--     30 s, stopped), to tell "server down" at a slot.

ALTER TABLE jobs ADD COLUMN window_slot INTEGER;
UPDATE jobs SET window_slot = scheduled_at WHERE scheduled_at IS NOT NULL;
CREATE INDEX jobs_schedule_window ON jobs (schedule_id, window_slot);

CREATE TABLE window_notes (
  schedule_id     TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  source_group_id TEXT NOT NULL DEFAULT '',
  slot            INTEGER NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('refused', 'coalesced', 'not_applied', 'deferred', 'offline')),
  reason          TEXT NOT NULL DEFAULT '',
  recorded_at     INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, source_group_id, slot)
);
CREATE INDEX window_notes_slot ON window_notes (schedule_id, slot);

CREATE TABLE host_presence (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id         TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  connected_at    INTEGER NOT NULL,
  disconnected_at INTEGER CHECK (disconnected_at IS NULL OR disconnected_at >= connected_at)
);
CREATE INDEX host_presence_host ON host_presence (host_id, connected_at);
-- At most one open interval per host.
CREATE UNIQUE INDEX host_presence_open ON host_presence (host_id) WHERE disconnected_at IS NULL;

CREATE TABLE server_runs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at    INTEGER NOT NULL,
  last_alive_at INTEGER NOT NULL CHECK (last_alive_at >= started_at),
  stopped_at    INTEGER CHECK (stopped_at IS NULL OR stopped_at >= started_at)
);
CREATE INDEX server_runs_started ON server_runs (started_at);
