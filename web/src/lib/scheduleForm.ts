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
  /** Drill: regular files sampled per run (1..1000). */
  drill_sample_files: string;
  /** Drill: most data restored per run, in MiB (1..1048576). */
  drill_max_mib: string;
}

/** A drill's defaults (common/protocol/messages.h DrillOptions). */
export const DRILL_DEFAULT_SAMPLE_FILES = 20;
export const DRILL_DEFAULT_MAX_MIB = 256;
const kMiB = 1024 * 1024;

/** Kinds whose jobs run per source group. */
export function kindUsesGroups(kind: string): boolean {
  return kind === 'backup' || kind === 'drill';
}

function drillOptionsOf(s: Schedule): { sample_files: number; max_bytes: number } {
  const drill = (s.options?.drill ?? {}) as { sample_files?: unknown; max_bytes?: unknown };
  return {
    sample_files: typeof drill.sample_files === 'number' ? drill.sample_files : DRILL_DEFAULT_SAMPLE_FILES,
    max_bytes: typeof drill.max_bytes === 'number' ? drill.max_bytes : DRILL_DEFAULT_MAX_MIB * kMiB,
  };
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
    drill_sample_files: String(DRILL_DEFAULT_SAMPLE_FILES),
    drill_max_mib: String(DRILL_DEFAULT_MAX_MIB),
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
    drill_sample_files: String(drillOptionsOf(s).sample_files),
    drill_max_mib: String(Math.max(1, Math.round(drillOptionsOf(s).max_bytes / kMiB))),
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
 * forget, source groups only for backup and drill (cleared when the kind
 * changes away), options.drill (sample size, MiB → bytes) only for drill.
 */
export function scheduleBody(form: ScheduleForm, original: Schedule | null, canHooks: boolean): BodyResult {
  if (form.name.trim() === '') return { ok: false, field: 'name', message: 'Name is required' };
  if (form.cron.trim() === '') return { ok: false, field: 'cron', message: 'Cron expression is required' };
  if (form.repository_id === '') return { ok: false, field: 'repository_id', message: 'Choose a repository' };
  if (kindUsesGroups(form.kind) && form.source_group_ids.length === 0) {
    const what = form.kind === 'drill' ? 'A drill' : 'A backup';
    return { ok: false, field: 'source_group_ids', message: `${what} needs at least one source group` };
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
    source_group_ids: kindUsesGroups(form.kind) ? form.source_group_ids : [],
    jitter_seconds: jitter,
    max_runtime_seconds: maxRuntime,
    enabled: form.enabled,
  };
  if (form.kind === 'drill') {
    const files = wholeNumber(form.drill_sample_files, 'options.drill.sample_files', 'Sample files', 1, 1000);
    if (typeof files !== 'number') return { ok: false, ...files };
    const mib = wholeNumber(form.drill_max_mib, 'options.drill.max_bytes', 'Max data', 1, 1024 * 1024);
    if (typeof mib !== 'number') return { ok: false, ...mib };
    full.options = { drill: { sample_files: files, max_bytes: mib * kMiB } };
  }
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
    if (!kindUsesGroups(form.kind)) delete body.source_group_ids;
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
    options: original.kind === 'drill' ? { drill: drillOptionsOf(original) } : undefined,
  };
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) {
    if (JSON.stringify(value) !== JSON.stringify(before[key])) body[key] = value;
  }
  if (form.kind !== 'forget' && original.retention) body.retention = {};
  if (form.kind !== original.kind && form.kind !== 'drill' && Object.keys(original.options ?? {}).length > 0) {
    body.options = {};
  }
  return { ok: true, body };
}

/** "2026-03-01T03:00:00+01:00" → "2026-03-01 03:00:00 +01:00", keeping the zone the server answered in. */
export function formatZoned(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]} ${m[3] === 'Z' ? 'UTC' : m[3]}`;
}
