import { describe, expect, it } from 'vitest';
import { formatLabels, isLabelKey, isLabelValue, parseLabels, sameLabels } from './labels';

describe('labels', () => {
  it('checks keys and values like the server', () => {
    expect(isLabelKey('role')).toBe(true);
    expect(isLabelKey('example.com/tier-2')).toBe(true);
    expect(isLabelKey('Role')).toBe(false);
    expect(isLabelKey('-x')).toBe(false);
    expect(isLabelKey('a'.repeat(64))).toBe(false);
    expect(isLabelValue('Berlin-2.a_b')).toBe(true);
    expect(isLabelValue('a/b')).toBe(false);
    expect(isLabelValue('')).toBe(false);
  });

  it('parses typed text and names the first problem', () => {
    expect(parseLabels(' role=laptop, site=berlin\n')).toEqual({ labels: { role: 'laptop', site: 'berlin' } });
    expect(parseLabels('')).toEqual({ labels: {} });
    expect(parseLabels('role')).toEqual({ error: '"role" is not key=value' });
    expect(parseLabels('Role=x')).toHaveProperty('error');
    expect(parseLabels('role=a/b')).toHaveProperty('error');
    expect(parseLabels('role=a, role=b')).toEqual({ error: '"role" is given twice' });
    const many = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',');
    expect(parseLabels(many)).toEqual({ error: 'a host has at most 32 labels' });
  });

  it('formats sorted and round-trips', () => {
    const labels = { site: 'berlin', role: 'laptop' };
    expect(formatLabels(labels)).toBe('role=laptop, site=berlin');
    expect(parseLabels(formatLabels(labels))).toEqual({ labels });
    expect(sameLabels(labels, { role: 'laptop', site: 'berlin' })).toBe(true);
    expect(sameLabels(labels, { role: 'laptop' })).toBe(false);
    expect(sameLabels(labels, { role: 'laptop', site: 'paris' })).toBe(false);
  });
});
