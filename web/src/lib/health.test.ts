import { describe, expect, it } from 'vitest';
import type { Schedule } from '../api/types';
import { classifyHealth, graceSeconds, scheduleInterval } from './health';
import { makeSchedule } from '../testing/fixtures';

const kHour = 3600;
const kDay = 86400;

function schedule(partial: Partial<Schedule>): Schedule {
  return makeSchedule({ id: 's', repository_id: 'r', source_group_ids: ['g'], ...partial });
}

function fires(startIso: string, stepSeconds: number, n = 5): string[] {
  const start = Date.parse(startIso);
  return Array.from({ length: n }, (_, i) => new Date(start + i * stepSeconds * 1000).toISOString());
}

const now = Date.parse('2026-03-10T12:00:00Z');
const daily = schedule({ next_fires: fires('2026-03-11T03:00:00Z', kDay) });

function ago(seconds: number): string {
  return new Date(now - seconds * 1000).toISOString();
}

describe('scheduleInterval', () => {
  it('derives the interval from consecutive fires', () => {
    expect(scheduleInterval(fires('2026-03-11T03:00:00Z', kDay))).toBe(kDay);
    expect(scheduleInterval(fires('2026-03-11T03:00:00Z', kHour))).toBe(kHour);
  });
  it('uses the longest gap (weekday schedules over a weekend)', () => {
    // Thu, Fri, Mon, Tue, Wed at 03:00.
    const f = ['2026-03-12T03:00:00Z', '2026-03-13T03:00:00Z', '2026-03-16T03:00:00Z', '2026-03-17T03:00:00Z'];
    expect(scheduleInterval(f)).toBe(3 * kDay);
  });
  it('is null with fewer than two fires', () => {
    expect(scheduleInterval([])).toBeNull();
    expect(scheduleInterval(['2026-03-11T03:00:00Z'])).toBeNull();
  });
  it('accepts zone offsets', () => {
    expect(scheduleInterval(['2026-03-11T03:00:00+01:00', '2026-03-11T04:00:00+01:00'])).toBe(kHour);
  });
});

describe('graceSeconds', () => {
  it('is a quarter interval clamped to 5 min..1 h, plus jitter', () => {
    expect(graceSeconds(kDay)).toBe(kHour);
    expect(graceSeconds(kHour)).toBe(900);
    expect(graceSeconds(600)).toBe(300);
    expect(graceSeconds(kDay, 120)).toBe(kHour + 120);
  });
});

describe('classifyHealth', () => {
  it('is green within one interval plus grace', () => {
    const r = classifyHealth({ id: 'h1', last_backup_at: ago(kDay + 30 * 60) }, [daily], now);
    expect(r.health).toBe('green');
    expect(r.interval).toBe(kDay);
    expect(r.age).toBe(kDay + 1800);
  });
  it('is amber within two intervals', () => {
    expect(classifyHealth({ id: 'h1', last_backup_at: ago(kDay + 2 * kHour) }, [daily], now).health).toBe('amber');
    expect(classifyHealth({ id: 'h1', last_backup_at: ago(2 * kDay) }, [daily], now).health).toBe('amber');
  });
  it('is red beyond two intervals or never', () => {
    expect(classifyHealth({ id: 'h1', last_backup_at: ago(2 * kDay + 2 * kHour) }, [daily], now).health).toBe('red');
    expect(classifyHealth({ id: 'h1', last_backup_at: null }, [daily], now).health).toBe('red');
  });
  it('uses the most frequent enabled backup schedule of the host', () => {
    const hourly = schedule({ id: 's2', next_fires: fires('2026-03-10T13:00:00Z', kHour) });
    const r = classifyHealth({ id: 'h1', last_backup_at: ago(3 * kHour) }, [daily, hourly], now);
    expect(r.interval).toBe(kHour);
    expect(r.health).toBe('red');
  });
  it('ignores disabled, non-backup and other hosts’ schedules', () => {
    const others = [
      schedule({ enabled: false, next_fires: fires('2026-03-11T03:00:00Z', kHour) }),
      schedule({ kind: 'check', next_fires: fires('2026-03-11T03:00:00Z', kHour) }),
      schedule({ host_id: 'h2', next_fires: fires('2026-03-11T03:00:00Z', kHour) }),
    ];
    expect(classifyHealth({ id: 'h1', last_backup_at: ago(60) }, others, now).health).toBe('no_schedule');
    expect(classifyHealth({ id: 'h1', last_backup_at: ago(5 * kHour) }, [...others, daily], now).health).toBe('green');
  });
  it('is no_schedule without any schedule, even if never backed up', () => {
    expect(classifyHealth({ id: 'h1', last_backup_at: null }, [], now)).toEqual({
      health: 'no_schedule',
      interval: null,
      age: null,
    });
  });
});
