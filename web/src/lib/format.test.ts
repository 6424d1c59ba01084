import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatEta,
  formatRelative,
  formatTime,
  percent,
  secondsBetween,
  shortId,
} from './format';

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB');
    expect(formatBytes(2 * 1024 ** 6)).toBe('2048 PiB');
  });
  it('handles missing and negative values', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatBytes(-2048)).toBe('-2.0 KiB');
  });
});

describe('formatDuration', () => {
  it('formats each magnitude', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(2 * 3600 + 7 * 60)).toBe('2h 07m');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 10)).toBe('3d 4h');
  });
  it('rejects bad input', () => {
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('formatEta and percent', () => {
  it('formats restic ETA', () => {
    expect(formatEta(90, 0.5)).toBe('1m 30s');
    expect(formatEta(0, 0.2)).toBe('unknown');
    expect(formatEta(0, 1)).toBe('done');
  });
  it('clamps percent', () => {
    expect(percent(0.423)).toBe(42);
    expect(percent(1.2)).toBe(100);
    expect(percent(-0.1)).toBe(0);
    expect(percent(null)).toBe(0);
  });
});

describe('times', () => {
  it('formats relative times', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-01-01T11:57:00Z', now)).toBe('3 min ago');
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2025-12-29T12:00:00Z', now)).toBe('3 d ago');
    expect(formatRelative('2026-01-01T14:00:00Z', now)).toBe('in 2 h');
    expect(formatRelative(null, now)).toBe('never');
  });
  it('formats absolute times with a fixed layout', () => {
    expect(formatTime(null)).toBe('—');
    expect(formatTime('garbage')).toBe('garbage');
    expect(formatTime('2026-01-01T12:00:00Z')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
  it('measures spans', () => {
    expect(secondsBetween('2026-01-01T12:00:00Z', '2026-01-01T12:01:30.500Z')).toBe(90.5);
    expect(secondsBetween(null, '2026-01-01T12:00:00Z')).toBeNull();
  });
});

describe('misc', () => {
  it('counts and short ids', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(shortId('0123456789abcdef')).toBe('01234567');
    expect(shortId(null)).toBe('—');
  });
});
