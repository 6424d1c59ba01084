import { describe, expect, it } from 'vitest';
import type { Schedule } from '../api/types';
import { makeSchedule } from '../testing/fixtures';
import { defaultScheduleForm, formatZoned, scheduleBody, scheduleToForm } from './scheduleForm';

const base: Schedule = makeSchedule({ timezone: 'Europe/Berlin', schedule_version: 3 });

describe('scheduleBody for a new schedule', () => {
  it('builds a backup body without hooks for non-admins', () => {
    const form = { ...defaultScheduleForm('UTC'), name: ' nightly ', repository_id: 'r1', source_group_ids: ['g1'], pre_hook: 'x' };
    expect(scheduleBody(form, null, false)).toEqual({
      ok: true,
      body: {
        name: 'nightly',
        kind: 'backup',
        cron: '0 3 * * *',
        timezone: 'UTC',
        repository_id: 'r1',
        source_group_ids: ['g1'],
        jitter_seconds: 0,
        max_runtime_seconds: 0,
        enabled: true,
      },
    });
  });
  it('includes hooks for admins and leaves out empty ones', () => {
    const form = { ...defaultScheduleForm('UTC'), name: 'n', repository_id: 'r1', source_group_ids: ['g1'], pre_hook: 'sync', hook_timeout_seconds: '60' };
    const r = scheduleBody(form, null, true);
    expect(r.ok && r.body.pre_hook).toBe('sync');
    expect(r.ok && 'post_hook' in r.body).toBe(false);
    expect(r.ok && r.body.hook_timeout_seconds).toBe(60);
  });
  it('builds a forget body with retention and no groups', () => {
    const form = { ...defaultScheduleForm('UTC'), name: 'f', kind: 'forget' as const, repository_id: 'r1', source_group_ids: ['g1'] };
    form.retention = { ...form.retention, keep_daily: '7', prune: true };
    const r = scheduleBody(form, null, false);
    expect(r).toMatchObject({ ok: true, body: { kind: 'forget', retention: { keep_daily: 7, prune: true } } });
    expect(r.ok && 'source_group_ids' in r.body).toBe(false);
  });
  it('reports the failing field', () => {
    const form = defaultScheduleForm('UTC');
    expect(scheduleBody(form, null, false)).toMatchObject({ ok: false, field: 'name' });
    expect(scheduleBody({ ...form, name: 'x' }, null, false)).toMatchObject({ ok: false, field: 'repository_id' });
    expect(scheduleBody({ ...form, name: 'x', repository_id: 'r' }, null, false)).toMatchObject({ ok: false, field: 'source_group_ids' });
    expect(
      scheduleBody({ ...form, name: 'x', repository_id: 'r', kind: 'forget' }, null, false),
    ).toMatchObject({ ok: false, field: 'retention.keep_last' });
    expect(
      scheduleBody({ ...form, name: 'x', repository_id: 'r', source_group_ids: ['g'], jitter_seconds: '1.5' }, null, false),
    ).toMatchObject({ ok: false, field: 'jitter_seconds' });
    expect(
      scheduleBody({ ...form, name: 'x', repository_id: 'r', source_group_ids: ['g'], max_runtime_seconds: '604801' }, null, false),
    ).toMatchObject({ ok: false, field: 'max_runtime_seconds' });
  });
});

describe('scheduleBody for an edit', () => {
  it('sends only changed fields', () => {
    const form = { ...scheduleToForm(base), cron: '30 2 * * *', enabled: false };
    expect(scheduleBody(form, base, false)).toEqual({ ok: true, body: { cron: '30 2 * * *', enabled: false } });
  });
  it('sends nothing when nothing changed, even for admins', () => {
    expect(scheduleBody(scheduleToForm(base), base, true)).toEqual({ ok: true, body: {} });
  });
  it('clears retention when a forget becomes a check', () => {
    const forget: Schedule = { ...base, kind: 'forget', source_group_ids: [], retention: { keep_last: 3, prune: false } };
    const form = { ...scheduleToForm(forget), kind: 'check' as const };
    expect(scheduleBody(form, forget, false)).toEqual({ ok: true, body: { kind: 'check', retention: {} } });
  });
  it('clears a hook with an empty string', () => {
    const hooked = { ...base, pre_hook: 'echo hi' };
    const form = { ...scheduleToForm(hooked), pre_hook: '' };
    expect(scheduleBody(form, hooked, true)).toEqual({ ok: true, body: { pre_hook: '' } });
  });
});

describe('formatZoned', () => {
  it('keeps the answered offset', () => {
    expect(formatZoned('2026-03-01T03:00:00+01:00')).toBe('2026-03-01 03:00:00 +01:00');
    expect(formatZoned('2026-03-01T03:00:00.250Z')).toBe('2026-03-01 03:00:00 UTC');
    expect(formatZoned('weird')).toBe('weird');
  });
});

describe('drill schedules', () => {
  const drillForm = () => ({
    ...defaultScheduleForm('UTC'),
    name: 'drill',
    kind: 'drill' as const,
    repository_id: 'r1',
    source_group_ids: ['g1'],
  });
  it('sends groups and the drill options, MiB as bytes, with the defaults filled in', () => {
    const r = scheduleBody(drillForm(), null, false);
    expect(r).toMatchObject({
      ok: true,
      body: { kind: 'drill', source_group_ids: ['g1'], options: { drill: { sample_files: 20, max_bytes: 256 * 1024 * 1024 } } },
    });
    const custom = scheduleBody({ ...drillForm(), drill_sample_files: '5', drill_max_mib: '10' }, null, false);
    expect(custom.ok && custom.body.options).toEqual({ drill: { sample_files: 5, max_bytes: 10 * 1024 * 1024 } });
  });
  it('needs a group and bounded options', () => {
    expect(scheduleBody({ ...drillForm(), source_group_ids: [] }, null, false)).toMatchObject({
      ok: false,
      field: 'source_group_ids',
      message: 'A drill needs at least one source group',
    });
    expect(scheduleBody({ ...drillForm(), drill_sample_files: '0' }, null, false)).toMatchObject({
      ok: false,
      field: 'options.drill.sample_files',
    });
    expect(scheduleBody({ ...drillForm(), drill_max_mib: 'lots' }, null, false)).toMatchObject({
      ok: false,
      field: 'options.drill.max_bytes',
    });
  });
  it('reads a stored drill back and sends only what changed', () => {
    const stored: Schedule = {
      ...base,
      kind: 'drill',
      options: { drill: { sample_files: 7, max_bytes: 3 * 1024 * 1024 } },
    };
    const form = scheduleToForm(stored);
    expect(form.drill_sample_files).toBe('7');
    expect(form.drill_max_mib).toBe('3');
    expect(scheduleBody(form, stored, false)).toEqual({ ok: true, body: {} });
    const changed = scheduleBody({ ...form, drill_sample_files: '8' }, stored, false);
    expect(changed.ok && changed.body).toEqual({ options: { drill: { sample_files: 8, max_bytes: 3 * 1024 * 1024 } } });
  });
});
