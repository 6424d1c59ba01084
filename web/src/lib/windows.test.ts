import { describe, expect, it } from 'vitest';
import { kWindowOutcomes, type ScheduleWindow } from '../api/types';
import { chronological, summarizeWindows, summaryText, windowLabel, windowLook, windowRan } from './windows';

function w(outcome: ScheduleWindow['outcome'], slot = '2026-05-01T03:00:00Z', extra: Partial<ScheduleWindow> = {}): ScheduleWindow {
  return { schedule_id: 's1', slot, source_group_id: 'g1', outcome, job_id: null, reason: null, ...extra };
}

describe('windowLook', () => {
  it('gives every outcome a symbol and a word, not only a colour', () => {
    for (const outcome of kWindowOutcomes) {
      const look = windowLook(outcome);
      expect(look.symbol.length).toBeGreaterThan(0);
      expect(look.word.length).toBeGreaterThan(0);
    }
    expect(windowLook('succeeded')).toEqual({ symbol: '✓', tone: 'ok', word: 'ran' });
    expect(windowLook('missed').tone).toBe('bad');
    expect(windowLook('due').tone).toBe('muted');
  });

  it('counts succeeded and partial as ran', () => {
    expect(kWindowOutcomes.filter(windowRan)).toEqual(['succeeded', 'partial']);
  });
});

describe('windowLabel', () => {
  it('names the slot, the group and the reason', () => {
    const label = windowLabel(w('missed', '2026-05-01T03:00:00Z', { reason: 'host offline' }), (id) =>
      id === 'g1' ? 'home' : id,
    );
    expect(label).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, home: missed — host offline$/);
    expect(windowLabel(w('succeeded', '2026-05-01T03:00:00Z', { source_group_id: null }))).toMatch(/: ran$/);
  });
});

describe('summarizeWindows', () => {
  it('counts settled windows only', () => {
    const summary = summarizeWindows([
      w('succeeded'),
      w('partial'),
      w('missed'),
      w('failed'),
      w('due'),
      w('running'),
      w('pending'),
    ]);
    expect(summary).toEqual({ settled: 4, ran: 2, missed: 1, failed: 1 });
    expect(summaryText(summary)).toBe('2 of 4 ran · 1 missed · 1 did not succeed');
    expect(summaryText(summarizeWindows([w('due')]))).toBe('no settled window yet');
    expect(summaryText(summarizeWindows([w('succeeded')]))).toBe('1 of 1 ran');
  });
});

describe('chronological', () => {
  it('turns the newest-first answer into a left-to-right timeline without changing it', () => {
    const answer = [w('due', '2026-05-03T03:00:00Z'), w('succeeded', '2026-05-02T03:00:00Z')];
    expect(chronological(answer).map((x) => x.slot)).toEqual(['2026-05-02T03:00:00Z', '2026-05-03T03:00:00Z']);
    expect(answer[0]!.slot).toBe('2026-05-03T03:00:00Z');
  });
});
