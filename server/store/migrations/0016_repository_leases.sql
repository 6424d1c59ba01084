-- 0016_repository_leases: repositories shared between hosts
-- (server/scheduling/repository_leases.h). Leases themselves are not stored:
-- they are the dispatched and running jobs, so they survive a restart with them.
--   * repositories.max_concurrent_backups: backups into the repository that
--     may run at once across all hosts; 0 = unlimited.
--   * repositories.maintenance_cron / maintenance_minutes: forget, prune and
--     check start only within `minutes` after a fire of the cron (UTC unless
--     it names CRON_TZ=); '' / 0 = any time.
--   * jobs.wait_reason: why a queued job has not started
--     ("waiting for prune of repository nas on host web-1"); '' otherwise.

ALTER TABLE repositories ADD COLUMN max_concurrent_backups INTEGER NOT NULL DEFAULT 0
  CHECK (max_concurrent_backups >= 0);
ALTER TABLE repositories ADD COLUMN maintenance_cron TEXT NOT NULL DEFAULT '';
ALTER TABLE repositories ADD COLUMN maintenance_minutes INTEGER NOT NULL DEFAULT 0
  CHECK (maintenance_minutes >= 0 AND (maintenance_cron = '') = (maintenance_minutes = 0));
ALTER TABLE jobs ADD COLUMN wait_reason TEXT NOT NULL DEFAULT '';
