import { describe, expect, it } from 'vitest';
import { emptyRetentionForm, formToRetention, retentionToForm } from './retention';

describe('formToRetention', () => {
  it('maps filled fields and skips empty or zero ones', () => {
    const form = { ...emptyRetentionForm(), keep_daily: '7', keep_weekly: ' 4 ', keep_monthly: '0', keep_within: '30d', prune: true };
    expect(formToRetention(form)).toEqual({
      ok: true,
      value: { keep_daily: 7, keep_weekly: 4, keep_within: '30d', prune: true },
    });
  });
  it('parses tags as a comma list', () => {
    const r = formToRetention({ ...emptyRetentionForm(), keep_tags: 'keep, , important' });
    expect(r).toEqual({ ok: true, value: { keep_tags: ['keep', 'important'], prune: false } });
  });
  it('rejects non-numeric counts naming the field', () => {
    expect(formToRetention({ ...emptyRetentionForm(), keep_last: '3.5' })).toEqual({
      ok: false,
      field: 'keep_last',
      message: 'Keep last must be a whole number',
    });
    expect(formToRetention({ ...emptyRetentionForm(), keep_yearly: '-1' })).toMatchObject({ ok: false, field: 'keep_yearly' });
  });
  it('validates keep_within syntax', () => {
    expect(formToRetention({ ...emptyRetentionForm(), keep_within: '1y6m' })).toMatchObject({ ok: true });
    expect(formToRetention({ ...emptyRetentionForm(), keep_within: '30 days' })).toMatchObject({
      ok: false,
      field: 'keep_within',
    });
  });
  it('requires at least one rule', () => {
    expect(formToRetention({ ...emptyRetentionForm(), prune: true })).toMatchObject({ ok: false });
  });
});

describe('retentionToForm', () => {
  it('round-trips', () => {
    const r = { keep_last: 3, keep_hourly: 24, keep_within: '2d12h', keep_tags: ['a', 'b'], prune: true };
    const form = retentionToForm(r);
    expect(form.keep_last).toBe('3');
    expect(form.keep_daily).toBe('');
    expect(form.keep_tags).toBe('a, b');
    expect(formToRetention(form)).toEqual({ ok: true, value: r });
  });
  it('is empty for null', () => {
    expect(retentionToForm(null)).toEqual(emptyRetentionForm());
  });
});
