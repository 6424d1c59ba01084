// Retention form state (strings, as typed) ↔ the API's Retention object.

import type { Retention } from '../api/types';

export const kKeepCounts = ['keep_last', 'keep_hourly', 'keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly'] as const;
export type KeepCount = (typeof kKeepCounts)[number];

export const kKeepLabels: Record<KeepCount, string> = {
  keep_last: 'Keep last',
  keep_hourly: 'Keep hourly',
  keep_daily: 'Keep daily',
  keep_weekly: 'Keep weekly',
  keep_monthly: 'Keep monthly',
  keep_yearly: 'Keep yearly',
};

export type RetentionForm = Record<KeepCount, string> & {
  keep_within: string;
  keep_tags: string;
  prune: boolean;
};

export function emptyRetentionForm(): RetentionForm {
  return {
    keep_last: '',
    keep_hourly: '',
    keep_daily: '',
    keep_weekly: '',
    keep_monthly: '',
    keep_yearly: '',
    keep_within: '',
    keep_tags: '',
    prune: false,
  };
}

export function retentionToForm(r: Retention | null | undefined): RetentionForm {
  const form = emptyRetentionForm();
  if (!r) return form;
  for (const key of kKeepCounts) {
    const v = r[key];
    if (typeof v === 'number') form[key] = String(v);
  }
  form.keep_within = r.keep_within ?? '';
  form.keep_tags = (r.keep_tags ?? []).join(', ');
  form.prune = r.prune ?? false;
  return form;
}

/** restic's duration syntax for --keep-within: e.g. "30d", "1y6m", "2d12h". */
const kWithin = /^(\d+[ymdh])+$/;

export type RetentionResult = { ok: true; value: Retention } | { ok: false; field: string; message: string };

/**
 * Form → Retention. Empty fields are left out; counts must be whole numbers
 * >= 1 (0 or empty means "not used"); at least one keep rule is required.
 */
export function formToRetention(form: RetentionForm): RetentionResult {
  const out: Retention = {};
  for (const key of kKeepCounts) {
    const text = form[key].trim();
    if (text === '') continue;
    if (!/^\d+$/.test(text)) return { ok: false, field: key, message: `${kKeepLabels[key]} must be a whole number` };
    const n = Number(text);
    if (n === 0) continue;
    out[key] = n;
  }
  const within = form.keep_within.trim();
  if (within !== '') {
    if (!kWithin.test(within)) {
      return { ok: false, field: 'keep_within', message: 'Keep within must look like 30d, 6m or 1y2m (y, m, d, h)' };
    }
    out.keep_within = within;
  }
  const tags = form.keep_tags
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tags.length > 0) out.keep_tags = tags;
  if (Object.keys(out).length === 0) {
    return { ok: false, field: 'keep_last', message: 'A forget schedule needs at least one keep rule' };
  }
  out.prune = form.prune;
  return { ok: true, value: out };
}
