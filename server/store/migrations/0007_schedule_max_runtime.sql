-- 0007_schedule_max_runtime: how long one job of the schedule may run before
-- the agent stops it (failed, error_kind "timeout"); 0 leaves the agent's
-- default for the job's kind (issue 10: no job runs forever).
ALTER TABLE schedules ADD COLUMN max_runtime_s INTEGER NOT NULL DEFAULT 0 CHECK (max_runtime_s >= 0);
