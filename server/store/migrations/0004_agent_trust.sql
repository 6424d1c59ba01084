-- 0004_agent_trust: what the scheduling core must remember across restarts
-- to trust what agents say (issue 10).
--   * install_id: the agent installation bound to the host token at its first
--     hello; a second installation with the same token is refused and the
--     moment is kept in install_conflict_at (shown as a flag until an
--     operator clears the binding).
--   * schedule_rejected: the entries the agent could not apply with the last
--     ack (JSON [{"schedule_id","reason"}]), shown as drift.
--   * cancel_requested_at: an operator's cancel survives a server restart and
--     is delivered when the agent next says hello.
ALTER TABLE hosts ADD COLUMN install_id TEXT;
ALTER TABLE hosts ADD COLUMN install_conflict_at INTEGER;
ALTER TABLE hosts ADD COLUMN schedule_rejected TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN cancel_requested_at INTEGER;
