// The window record in the UI: how each outcome looks (symbol + tone, never
// colour alone), the accessible text of one window, and the summary line of
// a timeline ("6 of 7 ran").

import type { ScheduleWindow, WindowOutcome } from '../api/types';
import type { BadgeTone } from './jobs';
import { formatTime } from './format';

/** How one outcome is drawn: a symbol that reads without colour, a tone, a word. */
export interface WindowLook {
  symbol: string;
  tone: BadgeTone;
  word: string;
}

/** The look of every outcome (exhaustive: a new outcome fails to compile here). */
export function windowLook(outcome: WindowOutcome): WindowLook {
  switch (outcome) {
    case 'succeeded':
      return { symbol: '✓', tone: 'ok', word: 'ran' };
    case 'partial':
      return { symbol: '!', tone: 'warn', word: 'partial' };
    case 'failed':
      return { symbol: '✗', tone: 'bad', word: 'failed' };
    case 'lost':
      return { symbol: '✗', tone: 'bad', word: 'lost' };
    case 'interrupted':
      return { symbol: '!', tone: 'warn', word: 'interrupted' };
    case 'cancelled':
      return { symbol: '⊘', tone: 'muted', word: 'cancelled' };
    case 'queued':
    case 'running':
      return { symbol: '…', tone: 'info', word: outcome };
    case 'pending':
      return { symbol: '…', tone: 'info', word: 'pending (repository busy)' };
    case 'due':
      return { symbol: '·', tone: 'muted', word: 'due' };
    case 'missed':
      return { symbol: '–', tone: 'bad', word: 'missed' };
    case 'refused':
      return { symbol: '⊘', tone: 'muted', word: 'refused' };
    case 'deferred':
      return { symbol: '↻', tone: 'info', word: 'deferred to catch-up' };
  }
}

/** True for the outcomes that mean the window's work was done (a snapshot exists). */
export function windowRan(outcome: WindowOutcome): boolean {
  return outcome === 'succeeded' || outcome === 'partial';
}

/** "2026-05-01 03:00:00, home: missed — host offline" (the text a screen reader and a tooltip show). */
export function windowLabel(w: ScheduleWindow, groupName?: (id: string) => string): string {
  const group = w.source_group_id ? `, ${groupName ? groupName(w.source_group_id) : w.source_group_id}` : '';
  const reason = w.reason ? ` — ${w.reason}` : '';
  return `${formatTime(w.slot)}${group}: ${windowLook(w.outcome).word}${reason}`;
}

/** Counts for a timeline's summary; windows still open (due, queued, running, pending) are not counted as settled. */
export interface WindowSummary {
  settled: number;
  ran: number;
  missed: number;
  failed: number;
}

export function summarizeWindows(windows: readonly ScheduleWindow[]): WindowSummary {
  const summary: WindowSummary = { settled: 0, ran: 0, missed: 0, failed: 0 };
  for (const w of windows) {
    switch (w.outcome) {
      case 'due':
      case 'queued':
      case 'running':
      case 'pending':
      case 'deferred':
        continue;
      case 'succeeded':
      case 'partial':
        summary.ran++;
        break;
      case 'missed':
        summary.missed++;
        break;
      case 'failed':
      case 'lost':
      case 'interrupted':
      case 'cancelled':
      case 'refused':
        summary.failed++;
        break;
    }
    summary.settled++;
  }
  return summary;
}

/** "6 of 7 ran · 1 missed" — or "no settled window yet". */
export function summaryText(summary: WindowSummary): string {
  if (summary.settled === 0) return 'no settled window yet';
  const parts = [`${summary.ran} of ${summary.settled} ran`];
  if (summary.missed) parts.push(`${summary.missed} missed`);
  if (summary.failed) parts.push(`${summary.failed} did not succeed`);
  return parts.join(' · ');
}

/** Oldest first, as a timeline reads left to right (the API answers newest first). */
export function chronological(windows: readonly ScheduleWindow[]): ScheduleWindow[] {
  return [...windows].reverse();
}
