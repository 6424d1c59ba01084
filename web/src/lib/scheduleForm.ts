// Schedule editor state ↔ the API's create/patch bodies.

import type { Schedule } from '../api/types';
import { formToRetention, retentionToForm, emptyRetentionForm, type RetentionForm } from './retention';

/** The fields the editor keeps as the API has them, plus text-box versions of the rest. */
export interface ScheduleForm
  extends Pick<Schedule, 'name' | 'kind' | 'cron' | 'timezone' | 'repository_id' | 'source_group_ids'> {
  retention: RetentionForm;
  pre_hook: string;
  post_hook: string;
  hook_timeout_seconds: string;
  jitter_seconds: string;
  max_runtime_seconds: string;
  enabled: boolean;
}

export function defaultScheduleForm(timezone: string): ScheduleForm {
  return {
    name: '',
    kind: 'backup',
    cron: '0 3 * * *',
    timezone,
    repository_id: '',
    source_group_ids: [],
    retention: emptyRetentionForm(),
    pre_hook: '',
    post_hook: '',
    hook_timeout_seconds: '300',
    jitter_seconds: '0',
    max_runtime_seconds: '0',
    enabled: true,
  };
}

export function scheduleToForm(s: Schedule): ScheduleForm {
  return {
    name: s.name,
    kind: s.kind,
    cron: s.cron,
    timezone: s.timezone,
    repository_id: s.repository_id,
    source_group_ids: [...s.source_group_ids],
    retention: retentionToForm(s.retention),
    pre_hook: s.pre_hook ?? '',
    post_hook: s.post_hook ?? '',
    hook_timeout_seconds: String(s.hook_timeout_seconds),
    jitter_seconds: String(s.jitter_seconds),
    max_runtime_seconds: String(s.max_runtime_seconds),
    enabled: s.enabled,
  };
}

/** The longest max runtime the API takes (7 days); 0 means the agent's default for the kind. */
export const MAX_RUNTIME_LIMIT = 7 * 86400;

export type BodyResult = { ok: true; body: Record<string, unknown> } | { ok: false; field: string; message: string };

function wholeNumber(text: string, field: string, label: string, min: number, max: number): number | { field: string; message: string } {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { field, message: `${label} must be a whole number` };
  const n = Number(t);
  if (n < min || n > max) return { field, message: `${label} must be between ${min} and ${max}` };
  return n;
}

/**
 * Builds a POST body (original null) or a PATCH body (only changed fields).
 * Hooks and their timeout are sent only when `canHooks`; retention only for
 * forget, source groups only for backup (cleared when the kind changes away).
 */
export function scheduleBody(form: ScheduleForm, original: Schedule | null, canHooks: boolean): BodyResult {
  if (form.name.trim() === '') return { ok: false, field: 'name', message: 'Name is required' };
  if (form.cron.trim() === '') return { ok: false, field: 'cron', message: 'Cron expression is required' };
  if (form.repository_id === '') return { ok: false, field: 'repository_id', message: 'Choose a repository' };
  if (form.kind === 'backup' && form.source_group_ids.length === 0) {
    return { ok: false, field: 'source_group_ids', message: 'A backup needs at least one source group' };
  }
  const jitter = wholeNumber(form.jitter_seconds, 'jitter_seconds', 'Jitter', 0, 86400);
  if (typeof jitter !== 'number') return { ok: false, ...jitter };
  const maxRuntime = wholeNumber(form.max_runtime_seconds, 'max_runtime_seconds', 'Max runtime', 0, MAX_RUNTIME_LIMIT);
  if (typeof maxRuntime !== 'number') return { ok: false, ...maxRuntime };

  const full: Record<string, unknown> = {
    name: form.name.trim(),
    kind: form.kind,
    cron: form.cron.trim(),
    timezone: form.timezone.trim() || 'UTC',
    repository_id: form.repository_id,
    source_group_ids: form.kind === 'backup' ? form.source_group_ids : [],
    jitter_seconds: jitter,
    max_runtime_seconds: maxRuntime,
    enabled: form.enabled,
  };
  if (form.kind === 'forget') {
    const r = formToRetention(form.retention);
    if (!r.ok) return { ok: false, field: `retention.${r.field}`, message: r.message };
    full.retention = r.value;
  }
  if (canHooks) {
    const timeout = wholeNumber(form.hook_timeout_seconds, 'hook_timeout_seconds', 'Hook timeout', 1, 86400);
    if (typeof timeout !== 'number') return { ok: false, ...timeout };
    full.pre_hook = form.pre_hook.trim();
    full.post_hook = form.post_hook.trim();
    full.hook_timeout_seconds = timeout;
  }

  if (!original) {
    const body = { ...full };
    if (body.pre_hook === '') delete body.pre_hook;
    if (body.post_hook === '') delete body.post_hook;
    if (form.kind !== 'backup') delete body.source_group_ids;
    return { ok: true, body };
  }

  const before: Record<string, unknown> = {
    name: original.name,
    kind: original.kind,
    cron: original.cron,
    timezone: original.timezone,
    repository_id: original.repository_id,
    source_group_ids: original.source_group_ids,
    jitter_seconds: original.jitter_seconds,
    max_runtime_seconds: original.max_runtime_seconds,
    enabled: original.enabled,
    retention: original.retention ?? undefined,
    pre_hook: original.pre_hook ?? '',
    post_hook: original.post_hook ?? '',
    hook_timeout_seconds: original.hook_timeout_seconds,
  };
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) {
    if (JSON.stringify(value) !== JSON.stringify(before[key])) body[key] = value;
  }
  if (form.kind !== 'forget' && original.retention) body.retention = {};
  if (form.kind !== original.kind && Object.keys(original.options ?? {}).length > 0) body.options = {};
  return { ok: true, body };
}

/** "2026-03-01T03:00:00+01:00" → "2026-03-01 03:00:00 +01:00", keeping the zone the server answered in. */
export function formatZoned(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]} ${m[3] === 'Z' ? 'UTC' : m[3]}`;
}
