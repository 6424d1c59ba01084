import { describe, expect, it } from 'vitest';
import { makeHost, makeJob } from '../testing/fixtures';
import { byHostName, hostBelongsOnPage, hostMatches, jobMatches, mergeLive } from './liveList';

const a = makeHost({ id: 'a', name: 'alpha' });
const c = makeHost({ id: 'c', name: 'charlie' });

describe('mergeLive', () => {
  it('replaces a record it already shows, in place', () => {
    const online = { ...c, connected: true };
    expect(mergeLive([a, c], online, { add: false })).toEqual([a, online]);
  });

  it('leaves the list alone (same array) for a new record that does not belong', () => {
    const items = [a, c];
    expect(mergeLive(items, makeHost({ id: 'b', name: 'bravo' }), { add: false })).toBe(items);
  });

  it('inserts a new record in the list order', () => {
    const b = makeHost({ id: 'b', name: 'bravo' });
    const z = makeHost({ id: 'z', name: 'zulu' });
    expect(mergeLive([a, c], b, { add: true, compare: byHostName }).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(mergeLive([a, c], z, { add: true, compare: byHostName }).map((h) => h.id)).toEqual(['a', 'c', 'z']);
    expect(mergeLive([], z, { add: true, compare: byHostName })).toEqual([z]);
  });

  it('puts a new record first without an order, keeping at most max', () => {
    const jobs = [makeJob({ id: 'j2' }), makeJob({ id: 'j1' })];
    expect(mergeLive(jobs, makeJob({ id: 'j3' }), { add: true, max: 2 }).map((j) => j.id)).toEqual(['j3', 'j2']);
  });
});

describe('hostMatches', () => {
  it('matches name or hostname, case-insensitively; an empty search matches all', () => {
    const h = makeHost({ name: 'Web-01', hostname: 'web01.lan' });
    expect(hostMatches(h, '')).toBe(true);
    expect(hostMatches(h, 'web-0')).toBe(true);
    expect(hostMatches(h, '.LAN')).toBe(true);
    expect(hostMatches(h, 'db')).toBe(false);
    expect(hostMatches(makeHost({ name: 'x', hostname: null }), 'lan')).toBe(false);
  });
});

describe('hostBelongsOnPage', () => {
  const b = makeHost({ id: 'b', name: 'bravo' });
  it('adds to a complete first page', () => {
    expect(hostBelongsOnPage(b, { items: [a, c], next_cursor: null }, '', true)).toBe(true);
    expect(hostBelongsOnPage(b, { items: [], next_cursor: null }, '', true)).toBe(true);
  });
  it('not on a later page, nor when the search does not match', () => {
    expect(hostBelongsOnPage(b, { items: [a, c], next_cursor: null }, '', false)).toBe(false);
    expect(hostBelongsOnPage(b, { items: [a, c], next_cursor: null }, 'zzz', true)).toBe(false);
  });
  it('not past the last row when more pages follow', () => {
    expect(hostBelongsOnPage(b, { items: [a, c], next_cursor: 'x' }, '', true)).toBe(true);
    const z = makeHost({ id: 'z', name: 'zulu' });
    expect(hostBelongsOnPage(z, { items: [a, c], next_cursor: 'x' }, '', true)).toBe(false);
  });
});

describe('jobMatches', () => {
  it('applies each filter that is set', () => {
    const j = makeJob({ host_id: 'h1', status: 'running', kind: 'backup' });
    expect(jobMatches(j, { hostId: '', status: '', kind: '' })).toBe(true);
    expect(jobMatches(j, { hostId: 'h1', status: 'running', kind: 'backup' })).toBe(true);
    expect(jobMatches(j, { hostId: 'h2', status: '', kind: '' })).toBe(false);
    expect(jobMatches(j, { hostId: '', status: 'queued', kind: '' })).toBe(false);
    expect(jobMatches(j, { hostId: '', status: '', kind: 'check' })).toBe(false);
  });
});
