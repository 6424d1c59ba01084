import { describe, expect, it } from 'vitest';
import type { AlertCounts, AlertRule } from '../api/types';
import { kAlertKinds } from '../api/types';
import { makeAlert } from '../testing/fixtures';
import {
  alertBadge,
  alertKindLabel,
  alertLinks,
  alertMatches,
  applyOpenAlert,
  compareAlerts,
  customSilence,
  differsFromDefault,
  kAlertKindLabel,
  paramFields,
  paramForm,
  paramOfErrorField,
  parseAlertTab,
  parseParamForm,
  statesOfTab,
  tabCount,
  unprotectedHosts,
} from './alerts';

function counts(partial: Partial<AlertCounts> = {}): AlertCounts {
  return { firing: 0, acknowledged: 0, silenced: 0, critical_firing: 0, by_kind: {}, ...partial };
}

describe('labels', () => {
  it('names every kind in words', () => {
    for (const kind of kAlertKinds) expect(kAlertKindLabel[kind]).toMatch(/^[A-Z][a-z]/);
    expect(alertKindLabel('host_unprotected')).toBe('Host unprotected');
    expect(alertKindLabel('something_new')).toBe('something_new');
  });
});

describe('tabs', () => {
  it('defaults to the unresolved states', () => {
    expect(parseAlertTab(null)).toBe('open');
    expect(parseAlertTab('bogus')).toBe('open');
    expect(statesOfTab('open')).toEqual(['firing', 'acknowledged', 'silenced']);
    expect(statesOfTab(parseAlertTab('resolved'))).toEqual(['resolved']);
  });
  it('counts a tab from the counts, resolved not at all', () => {
    const c = counts({ firing: 2, acknowledged: 1, silenced: 3 });
    expect(tabCount('open', c)).toBe(6);
    expect(tabCount('silenced', c)).toBe(3);
    expect(tabCount('resolved', c)).toBeNull();
    expect(tabCount('firing', null)).toBeNull();
  });
});

describe('alertMatches', () => {
  it('filters by state, kind and host', () => {
    const a = makeAlert({ state: 'acknowledged', kind: 'host_offline', host_id: 'h2' });
    expect(alertMatches(a, { states: ['firing', 'acknowledged'], kind: '', hostId: '' })).toBe(true);
    expect(alertMatches(a, { states: ['firing'], kind: '', hostId: '' })).toBe(false);
    expect(alertMatches(a, { states: [], kind: 'job_failed', hostId: '' })).toBe(false);
    expect(alertMatches(a, { states: [], kind: 'host_offline', hostId: 'h1' })).toBe(false);
    expect(alertMatches(a, { states: [], kind: 'host_offline', hostId: 'h2' })).toBe(true);
  });
});

describe('compareAlerts', () => {
  it('puts critical first, then firing, then the newest', () => {
    const oldWarn = makeAlert({ id: 'w-old', started_at: '2026-01-01T00:00:00Z' });
    const newWarn = makeAlert({ id: 'w-new', started_at: '2026-01-02T00:00:00Z' });
    const ackCrit = makeAlert({ id: 'c-ack', severity: 'critical', state: 'acknowledged' });
    const fireCrit = makeAlert({ id: 'c-fire', severity: 'critical' });
    const sorted = [oldWarn, ackCrit, newWarn, fireCrit].sort(compareAlerts).map((a) => a.id);
    expect(sorted).toEqual(['c-fire', 'c-ack', 'w-new', 'w-old']);
  });
});

describe('applyOpenAlert', () => {
  it('adds, replaces and drops resolved alerts, keeping the order', () => {
    const a = makeAlert({ id: 'a' });
    const b = makeAlert({ id: 'b', severity: 'critical' });
    let list = applyOpenAlert([], a);
    list = applyOpenAlert(list, b);
    expect(list.map((x) => x.id)).toEqual(['b', 'a']);
    list = applyOpenAlert(list, { ...a, state: 'acknowledged' });
    expect(list.find((x) => x.id === 'a')?.state).toBe('acknowledged');
    list = applyOpenAlert(list, { ...b, state: 'resolved' });
    expect(list.map((x) => x.id)).toEqual(['a']);
  });
  it('answers the same list when a resolved alert was not on it', () => {
    const list = [makeAlert({ id: 'a' })];
    expect(applyOpenAlert(list, makeAlert({ id: 'z', state: 'resolved' }))).toBe(list);
  });
  it('keeps only what the list is about', () => {
    const other = makeAlert({ id: 'o', host_id: 'h9' });
    expect(applyOpenAlert([], other, (x) => x.host_id === 'h1')).toEqual([]);
  });
});

describe('alertBadge', () => {
  it('shows nothing while nothing fires', () => {
    expect(alertBadge(null)).toBeNull();
    expect(alertBadge(counts({ acknowledged: 4 }))).toBeNull();
  });
  it('is amber for warnings and red once a critical alert fires', () => {
    expect(alertBadge(counts({ firing: 1 }))).toEqual({ count: 1, tone: 'warn', title: '1 firing alert' });
    expect(alertBadge(counts({ firing: 3, critical_firing: 1 }))).toEqual({
      count: 3,
      tone: 'bad',
      title: '3 firing alerts, 1 critical',
    });
  });
});

describe('unprotectedHosts', () => {
  it('lists each host with an open host_unprotected alert once, by name', () => {
    const list = unprotectedHosts([
      makeAlert({ id: '1', kind: 'host_unprotected', host_id: 'h2', host_name: 'zeta', subject: 'zeta / a' }),
      makeAlert({ id: '2', kind: 'host_unprotected', host_id: 'h1', host_name: 'alpha', subject: 'alpha / x' }),
      makeAlert({ id: '3', kind: 'host_unprotected', host_id: 'h2', host_name: 'zeta', subject: 'zeta / b' }),
      makeAlert({ id: '4', kind: 'host_unprotected', host_id: 'h3', state: 'resolved' }),
      makeAlert({ id: '5', kind: 'job_failed', host_id: 'h4' }),
    ]);
    expect(list).toEqual([
      { hostId: 'h1', hostName: 'alpha', subjects: ['alpha / x'] },
      { hostId: 'h2', hostName: 'zeta', subjects: ['zeta / a', 'zeta / b'] },
    ]);
  });
});

describe('alertLinks', () => {
  it('links the host, the schedule editor and the job when known', () => {
    expect(alertLinks(makeAlert()).map((l) => l.href)).toEqual(['/hosts/h1', '/schedules/s1', '/jobs/j1']);
    expect(alertLinks(makeAlert({ schedule_id: null, job_id: null }))).toEqual([
      { href: '/hosts/h1', label: 'web-01', what: 'host' },
    ]);
  });
});

describe('customSilence', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it('turns a local time into until', () => {
    const r = customSilence('2026-06-02T12:00', now);
    expect(r).toEqual({ until: new Date('2026-06-02T12:00').toISOString() });
  });
  it('refuses the past, nothing, and more than 90 days', () => {
    expect(customSilence('', now)).toHaveProperty('error');
    expect(customSilence('2026-05-01T12:00', now)).toHaveProperty('error');
    expect(customSilence('2026-12-01T12:00', now)).toHaveProperty('error');
    expect(customSilence('not a time', now)).toHaveProperty('error');
  });
});

describe('rule params form', () => {
  const rule: Pick<AlertRule, 'params' | 'defaults'> = {
    params: { severity: 'warning', renotify_minutes: 720, after_minutes: 45, always_on_only: false, grace_factor: 2 },
    defaults: { severity: 'warning', renotify_minutes: 720, after_minutes: 30, always_on_only: true, grace_factor: 1.5 },
  };

  it('orders severity and reminders first and types each field', () => {
    const fields = paramFields(rule);
    expect(fields.map((f) => [f.key, f.type])).toEqual([
      ['severity', 'severity'],
      ['renotify_minutes', 'integer'],
      ['after_minutes', 'integer'],
      ['always_on_only', 'boolean'],
      ['grace_factor', 'decimal'],
    ]);
    expect(fields[2]!.defaultValue).toBe(30);
    expect(paramFields({ params: {}, defaults: { min_restic_version: '0.14.0' } })[0]!.type).toBe('text');
  });

  it('round-trips the effective params', () => {
    const form = paramForm(rule);
    expect(form).toEqual({
      severity: 'warning',
      renotify_minutes: '720',
      after_minutes: '45',
      always_on_only: false,
      grace_factor: '2',
    });
    expect(parseParamForm(rule, form)).toEqual({ params: rule.params, errors: {} });
  });

  it('names each field it cannot read', () => {
    const form = { ...paramForm(rule), after_minutes: '1.5', renotify_minutes: '', grace_factor: 'x', severity: 'loud' };
    const { errors } = parseParamForm(rule, form);
    expect(Object.keys(errors).sort()).toEqual(['after_minutes', 'grace_factor', 'renotify_minutes', 'severity']);
    expect(errors.after_minutes).toMatch(/whole number/);
  });

  it('accepts fractions where the parameter takes them', () => {
    const { params, errors } = parseParamForm(rule, { ...paramForm(rule), grace_factor: ' 2.5 ' });
    expect(errors).toEqual({});
    expect(params.grace_factor).toBe(2.5);
  });

  it('marks values that differ from the default', () => {
    const [severity, renotify, after, alwaysOn] = paramFields(rule);
    expect(differsFromDefault(severity!, 'warning')).toBe(false);
    expect(differsFromDefault(renotify!, '720')).toBe(false);
    expect(differsFromDefault(after!, '45')).toBe(true);
    expect(differsFromDefault(alwaysOn!, false)).toBe(true);
  });

  it('reads the parameter an API error names', () => {
    expect(paramOfErrorField('params.after_minutes')).toBe('after_minutes');
    expect(paramOfErrorField('enabled')).toBeNull();
    expect(paramOfErrorField(null)).toBeNull();
  });
});
