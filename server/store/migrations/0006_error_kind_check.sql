-- 0006_error_kind_check: jobs.error_kind joins the other job enumerations
-- in being guarded (issue 10, "one job vocabulary"). It is spelled as the
-- ToString() of rmgr::protocol::ErrorKind (common/protocol/enums.h), with
-- "none" kept as '' as it always was. SQLite cannot add a CHECK to an
-- existing column, so two triggers guard every write instead; the lists are
-- tested against the enum by server/store/vocabulary_test.cpp.
CREATE TRIGGER jobs_error_kind_insert BEFORE INSERT ON jobs
WHEN NEW.error_kind NOT IN ('', 'wrong_password', 'repository_missing', 'repository_locked', 'hook_failed',
                            'other', 'timeout', 'cancelled', 'interrupted', 'lost')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.error_kind');
END;

CREATE TRIGGER jobs_error_kind_update BEFORE UPDATE OF error_kind ON jobs
WHEN NEW.error_kind NOT IN ('', 'wrong_password', 'repository_missing', 'repository_locked', 'hook_failed',
                            'other', 'timeout', 'cancelled', 'interrupted', 'lost')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.error_kind');
END;
