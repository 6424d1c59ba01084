-- 0012_agent_policy: what each agent reports of its local policy in hello
-- (issue 12, "restores cannot be turned into root on another host"): its
-- restore root, whether its owner consents to restores outside it, and its
-- hook policy with the allowed programs. The server shows them and checks a
-- restore's target against them before it queues the job; the agent
-- enforces them itself. Empty until the host's agent says hello.
ALTER TABLE hosts ADD COLUMN restore_root TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN restore_anywhere INTEGER NOT NULL DEFAULT 0 CHECK (restore_anywhere IN (0, 1));
ALTER TABLE hosts ADD COLUMN hook_policy TEXT NOT NULL DEFAULT '' CHECK (hook_policy IN ('', 'refuse', 'allow', 'allowlist'));
ALTER TABLE hosts ADD COLUMN hook_allow TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(hook_allow));

-- Two error kinds an agent reports when its policy refuses a job.
DROP TRIGGER jobs_error_kind_insert;
DROP TRIGGER jobs_error_kind_update;

CREATE TRIGGER jobs_error_kind_insert BEFORE INSERT ON jobs
WHEN NEW.error_kind NOT IN ('', 'wrong_password', 'repository_missing', 'repository_locked', 'hook_failed',
                            'other', 'timeout', 'cancelled', 'interrupted', 'lost', 'verify_mismatch',
                            'restore_refused', 'hook_refused')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.error_kind');
END;

CREATE TRIGGER jobs_error_kind_update BEFORE UPDATE OF error_kind ON jobs
WHEN NEW.error_kind NOT IN ('', 'wrong_password', 'repository_missing', 'repository_locked', 'hook_failed',
                            'other', 'timeout', 'cancelled', 'interrupted', 'lost', 'verify_mismatch',
                            'restore_refused', 'hook_refused')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.error_kind');
END;
