-- 0015_reusable_enrollment_tokens: one enrollment token may enroll many hosts
-- (issue 14, "Enrollment at fleet scale"): a configuration-management run
-- enrolls 500 hosts with one token.
--   * max_uses: how many enrollments the token allows; 1 is the one-time
--     token of before. A token bound to a pre-registered host (host_id) stays
--     at 1 (the API refuses anything else).
--   * use_count: enrollments so far; the enroll transaction raises it only
--     while use_count < max_uses, so two agents cannot both take the last use.
--   * labels: a JSON object of string to string (common/labels/labels.h),
--     applied to every host that enrolls with the token.
--   * last_used_at: the latest enrollment. used_at and used_by_host keep
--     their meaning of the first enrollment (for a one-time token, its only one).
-- Only column constraints (no table CHECK), so each column can be dropped alone.

ALTER TABLE enrollment_tokens ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1 CHECK (max_uses >= 1);
ALTER TABLE enrollment_tokens ADD COLUMN use_count INTEGER NOT NULL DEFAULT 0 CHECK (use_count >= 0);
ALTER TABLE enrollment_tokens ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'
  CHECK (json_valid(labels) AND json_type(labels) = 'object');
ALTER TABLE enrollment_tokens ADD COLUMN last_used_at INTEGER;

-- A token used before this migration has had its one use.
UPDATE enrollment_tokens SET use_count = 1, last_used_at = used_at WHERE used_at IS NOT NULL;
