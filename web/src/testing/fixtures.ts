// Complete API records for unit tests: sensible defaults, overridden per test.

import type { Alert, Host, Job, Schedule } from '../api/types';

export function makeJob(partial: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    host_id: 'h1',
    kind: 'backup',
    status: 'succeeded',
    actor_kind: 'user',
    actor_id: 'u1',
    schedule_id: null,
    source_group_id: 'g1',
    repository_id: 'r1',
    scheduled_at: null,
    created_at: '2026-01-01T00:00:00Z',
    dispatched_at: null,
    started_at: '2026-01-01T00:00:00Z',
    finished_at: '2026-01-01T00:02:00Z',
    exit_code: 0,
    error: null,
    error_kind: null,
    snapshot_id: null,
    summary: null,
    progress: null,
    ...partial,
  };
}

export function makeSchedule(partial: Partial<Schedule> = {}): Schedule {
  return {
    id: 's1',
    host_id: 'h1',
    name: 'nightly',
    kind: 'backup',
    cron: '0 3 * * *',
    timezone: 'UTC',
    repository_id: 'r1',
    source_group_ids: ['g1'],
    retention: null,
    options: {},
    pre_hook: null,
    post_hook: null,
    hook_timeout_seconds: 300,
    enabled: true,
    jitter_seconds: 0,
    max_runtime_seconds: 0,
    next_fires: [],
    schedule_version: 1,
    created_at: '',
    updated_at: '',
    ...partial,
  };
}

export function makeHost(partial: Partial<Host> = {}): Host {
  return {
    id: 'h1',
    name: 'web-01',
    hostname: null,
    os: null,
    arch: null,
    agent_version: null,
    agent_behind: false,
    restic_version: null,
    mode: 'always_on',
    connected: false,
    last_seen_at: null,
    last_backup_at: null,
    current_job_id: null,
    schedule_version: { canonical: 0, applied: 0, applied_at: null },
    schedule_rejected: [],
    install_conflict_at: null,
    labels: {},
    agent_policy: { restore_root: '/var/lib/restic-manager-agent/restore', restore_anywhere: false, hook_policy: 'allow', hook_allow: [] },
    created_at: '2026-01-01T00:00:00Z',
    ...partial,
  };
}

export function makeAlert(partial: Partial<Alert> = {}): Alert {
  return {
    id: 'a1',
    kind: 'job_failed',
    severity: 'warning',
    state: 'firing',
    host_id: 'h1',
    host_name: 'web-01',
    schedule_id: 's1',
    source_group_id: 'g1',
    repository_id: 'r1',
    job_id: 'j1',
    subject: 'web-01 / nightly / home',
    reason: 'backup failed',
    started_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    resolved_at: null,
    acknowledged_at: null,
    acknowledged_by: null,
    silenced_until: null,
    silenced_by: null,
    last_notified_at: null,
    notify_count: 0,
    ...partial,
  };
}
