// Alert helpers shared by the alerts page, the navigation badge, the dashboard
// and the host page: labels, tones, tabs, ordering, subject links, silence
// choices and the rule parameter form.

import type { Alert, AlertCounts, AlertKind, AlertParamValue, AlertRule, AlertSeverity, AlertState } from '../api/types';
import type { BadgeTone } from './jobs';

export const kAlertKindLabel: Record<AlertKind, string> = {
  host_unprotected: 'Host unprotected',
  host_offline: 'Host offline',
  job_failed: 'Job failed',
  job_partial: 'Job partial',
  check_failed: 'Check failed',
  repository_locked: 'Repository locked',
  schedule_drift: 'Schedule drift',
  agent_outdated: 'Agent outdated',
  drill_failed: 'Restore drill failed',
};

/** What each rule watches, in one sentence (the rules page). */
export const kAlertKindHelp: Record<AlertKind, string> = {
  host_unprotected: 'A schedule × source group with no successful backup by the slot after its last success plus the grace.',
  host_offline: 'The agent has been away longer than the threshold.',
  job_failed: 'The latest job of a schedule × source group failed (or was lost).',
  job_partial: 'The latest backup made a snapshot but could not read some files.',
  check_failed: 'restic check found the repository damaged.',
  repository_locked: 'Jobs keep failing on a repository lock held longer than the threshold.',
  schedule_drift: 'Pushed schedules not applied in time, or an entry the agent could not apply.',
  agent_outdated: 'Agent or restic older than the configured minimum.',
  drill_failed: 'A restore drill found files that do not match.',
};

export function alertKindLabel(kind: string): string {
  return (kAlertKindLabel as Record<string, string>)[kind] ?? kind;
}

export function severityTone(severity: AlertSeverity): BadgeTone {
  return severity === 'critical' ? 'bad' : 'warn';
}

export function alertStateTone(state: AlertState): BadgeTone {
  switch (state) {
    case 'firing':
      return 'bad';
    case 'acknowledged':
      return 'info';
    case 'silenced':
      return 'muted';
    case 'resolved':
      return 'ok';
  }
}

/** The alerts page's tabs; "open" is every unresolved state. */
export type AlertTab = 'open' | 'firing' | 'acknowledged' | 'silenced' | 'resolved';

export const kAlertTabs: readonly { tab: AlertTab; label: string }[] = [
  { tab: 'open', label: 'Open' },
  { tab: 'firing', label: 'Firing' },
  { tab: 'acknowledged', label: 'Acknowledged' },
  { tab: 'silenced', label: 'Silenced' },
  { tab: 'resolved', label: 'Resolved' },
];

export const kOpenStates: readonly AlertState[] = ['firing', 'acknowledged', 'silenced'];

/** The tab named in the URL; anything else is "open". */
export function parseAlertTab(value: string | null | undefined): AlertTab {
  return kAlertTabs.some((t) => t.tab === value) ? (value as AlertTab) : 'open';
}

/** The states a tab lists. */
export function statesOfTab(tab: AlertTab): AlertState[] {
  return tab === 'open' ? [...kOpenStates] : [tab];
}

/** How many unresolved alerts a tab holds (null for resolved, which is not counted). */
export function tabCount(tab: AlertTab, counts: AlertCounts | null | undefined): number | null {
  if (!counts) return null;
  switch (tab) {
    case 'open':
      return counts.firing + counts.acknowledged + counts.silenced;
    case 'firing':
      return counts.firing;
    case 'acknowledged':
      return counts.acknowledged;
    case 'silenced':
      return counts.silenced;
    case 'resolved':
      return null;
  }
}

export interface AlertFilter {
  states: readonly AlertState[];
  /** "" for any kind. */
  kind: string;
  /** "" for any host. */
  hostId: string;
}

/** Whether a live alert belongs on a list with these filters. */
export function alertMatches(alert: Alert, filter: AlertFilter): boolean {
  return (
    (filter.states.length === 0 || filter.states.includes(alert.state)) &&
    (!filter.kind || alert.kind === filter.kind) &&
    (!filter.hostId || alert.host_id === filter.hostId)
  );
}

const kStateOrder: Record<AlertState, number> = { firing: 0, acknowledged: 1, silenced: 2, resolved: 3 };

/** Critical before warning, then firing before acknowledged before silenced, then the newest first. */
export function compareAlerts(a: Alert, b: Alert): number {
  const severity = (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1);
  if (severity !== 0) return severity;
  const state = kStateOrder[a.state] - kStateOrder[b.state];
  if (state !== 0) return state;
  return a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0;
}

/**
 * An open-alerts list (dashboard, host page) with a live alert applied: a
 * resolved one leaves, an open one is added or replaced; the list stays in
 * compareAlerts order. `keep` says which alerts the list is about.
 */
export function applyOpenAlert(items: readonly Alert[], alert: Alert, keep: (a: Alert) => boolean = () => true): Alert[] {
  const others = items.filter((x) => x.id !== alert.id);
  if (alert.state === 'resolved' || !keep(alert)) {
    return others.length === items.length ? (items as Alert[]) : others;
  }
  return [...others, alert].sort(compareAlerts);
}

/** What the navigation badge shows. */
export interface AlertBadgeView {
  count: number;
  tone: 'bad' | 'warn';
  /** "3 firing alerts, 1 critical" (tooltip and screen-reader text). */
  title: string;
}

/** The navigation badge: the firing count, red while a critical alert fires; null when nothing fires. */
export function alertBadge(counts: AlertCounts | null | undefined): AlertBadgeView | null {
  if (!counts || counts.firing <= 0) return null;
  const critical = counts.critical_firing;
  const title =
    `${counts.firing} firing alert${counts.firing === 1 ? '' : 's'}` + (critical > 0 ? `, ${critical} critical` : '');
  return { count: counts.firing, tone: critical > 0 ? 'bad' : 'warn', title };
}

/** The hosts with an unresolved host_unprotected alert, each once, by name; with how many subjects. */
export function unprotectedHosts(alerts: readonly Alert[]): { hostId: string; hostName: string; subjects: string[] }[] {
  const byHost = new Map<string, { hostId: string; hostName: string; subjects: string[] }>();
  for (const a of alerts) {
    if (a.kind !== 'host_unprotected' || a.state === 'resolved') continue;
    const entry = byHost.get(a.host_id) ?? { hostId: a.host_id, hostName: a.host_name, subjects: [] };
    entry.subjects.push(a.subject);
    byHost.set(a.host_id, entry);
  }
  return [...byHost.values()].sort((x, y) => x.hostName.localeCompare(y.hostName));
}

/** The pages an alert's subject links to: its host, its schedule's editor, the job that raised it. */
export function alertLinks(alert: Alert): { href: string; label: string; what: 'host' | 'schedule' | 'job' }[] {
  const links: { href: string; label: string; what: 'host' | 'schedule' | 'job' }[] = [];
  if (alert.host_id) {
    const label = alert.host_name || alert.host_id.slice(0, 8);
    links.push({ href: `/hosts/${encodeURIComponent(alert.host_id)}`, label, what: 'host' });
  }
  if (alert.schedule_id) {
    links.push({ href: `/schedules/${encodeURIComponent(alert.schedule_id)}`, label: 'schedule', what: 'schedule' });
  }
  if (alert.job_id) links.push({ href: `/jobs/${encodeURIComponent(alert.job_id)}`, label: 'job', what: 'job' });
  return links;
}

/** The fixed silence lengths offered beside "custom". */
export const kSilenceChoices: readonly { label: string; minutes: number }[] = [
  { label: '1 hour', minutes: 60 },
  { label: '1 day', minutes: 60 * 24 },
  { label: '1 week', minutes: 60 * 24 * 7 },
];

/** The longest silence the server accepts. */
export const kMaxSilenceMinutes = 60 * 24 * 90;

/**
 * A custom silence end from a datetime-local value (the browser's zone) as
 * the API's `until`, or why it cannot be one.
 */
export function customSilence(local: string, now: number): { until: string } | { error: string } {
  if (!local.trim()) return { error: 'Pick the time the silence ends.' };
  const t = new Date(local).getTime();
  if (Number.isNaN(t)) return { error: 'That is not a time.' };
  if (t <= now) return { error: 'The silence must end in the future.' };
  if (t > now + kMaxSilenceMinutes * 60_000) return { error: 'A silence may last at most 90 days.' };
  return { until: new Date(t).toISOString() };
}

// ------------------------------------------------------------ rule params --

/** Labels of the known rule parameters; an unknown key is shown as itself. */
export const kParamLabel: Record<string, string> = {
  severity: 'Severity',
  renotify_minutes: 'Remind every (minutes)',
  grace_factor: 'Grace (schedule intervals)',
  intermittent_grace_hours: 'Least grace for intermittent hosts (hours)',
  after_minutes: 'After (minutes)',
  always_on_only: 'Always-on hosts only',
  min_agent_version: 'Minimum agent version',
  min_restic_version: 'Minimum restic version',
};

/** Help under a parameter, where its meaning is not plain from the label. */
export const kParamHelp: Record<string, string> = {
  renotify_minutes: '0: never remind.',
  grace_factor: 'From 1 to 10 intervals of the schedule.',
  min_agent_version: 'Empty: not checked.',
  min_restic_version: 'Empty: not checked.',
};

/** Parameters that take fractions; other numbers are whole. */
const kDecimalParams = new Set(['grace_factor']);

export type ParamType = 'severity' | 'integer' | 'decimal' | 'boolean' | 'text';

export interface ParamField {
  key: string;
  label: string;
  type: ParamType;
  defaultValue: AlertParamValue | undefined;
  help: string | undefined;
}

/** A rule's parameters in form order: severity and reminders first, then the kind's own. */
export function paramFields(rule: Pick<AlertRule, 'params' | 'defaults'>): ParamField[] {
  const keys = [...new Set([...Object.keys(rule.defaults), ...Object.keys(rule.params)])];
  const rank = (k: string) => (k === 'severity' ? 0 : k === 'renotify_minutes' ? 1 : 2);
  keys.sort((a, b) => rank(a) - rank(b));
  return keys.map((key) => {
    const sample = rule.defaults[key] ?? rule.params[key];
    const type: ParamType =
      key === 'severity'
        ? 'severity'
        : typeof sample === 'boolean'
          ? 'boolean'
          : typeof sample === 'number'
            ? kDecimalParams.has(key) || !Number.isInteger(sample)
              ? 'decimal'
              : 'integer'
            : 'text';
    return { key, label: kParamLabel[key] ?? key, type, defaultValue: rule.defaults[key], help: kParamHelp[key] };
  });
}

/** What the form holds: text for inputs, booleans for checkboxes. */
export type ParamForm = Record<string, string | boolean>;

/** The form's starting values from a rule's effective params. */
export function paramForm(rule: Pick<AlertRule, 'params' | 'defaults'>): ParamForm {
  const form: ParamForm = {};
  for (const f of paramFields(rule)) {
    const value = rule.params[f.key] ?? f.defaultValue;
    form[f.key] = typeof value === 'boolean' ? value : value === undefined ? '' : String(value);
  }
  return form;
}

/** The form read back as params, or an error per key it cannot read. */
export function parseParamForm(
  rule: Pick<AlertRule, 'params' | 'defaults'>,
  form: ParamForm,
): { params: Record<string, AlertParamValue>; errors: Record<string, string> } {
  const params: Record<string, AlertParamValue> = {};
  const errors: Record<string, string> = {};
  for (const f of paramFields(rule)) {
    const raw = form[f.key];
    if (f.type === 'boolean') {
      params[f.key] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (f.type === 'integer' || f.type === 'decimal') {
      const n = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n)) errors[f.key] = `${f.label} must be a number.`;
      else if (f.type === 'integer' && !Number.isInteger(n)) errors[f.key] = `${f.label} must be a whole number.`;
      else params[f.key] = n;
      continue;
    }
    if (f.type === 'severity' && text !== 'warning' && text !== 'critical') {
      errors[f.key] = 'Severity must be warning or critical.';
      continue;
    }
    params[f.key] = text;
  }
  return { params, errors };
}

/** Whether a form value differs from the parameter's default (the form marks it). */
export function differsFromDefault(field: ParamField, value: string | boolean | undefined): boolean {
  if (field.defaultValue === undefined || value === undefined) return false;
  if (typeof field.defaultValue === 'boolean') return value !== field.defaultValue;
  if (typeof field.defaultValue === 'number') return typeof value !== 'string' || Number(value.trim()) !== field.defaultValue;
  return value !== field.defaultValue;
}

/** The parameter an API error names (`params.<key>`), or null when it names none. */
export function paramOfErrorField(field: string | null | undefined): string | null {
  if (!field || !field.startsWith('params.')) return null;
  return field.slice('params.'.length) || null;
}
