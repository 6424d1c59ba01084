import { describe, expect, it } from 'vitest';
import { buildPath, isAppPath, isModifiedClick, matchPattern, matchRoute } from './router';

const routes = [
  { name: 'dashboard', pattern: '/' },
  { name: 'hosts', pattern: '/hosts' },
  { name: 'host', pattern: '/hosts/:id' },
  { name: 'scheduleNew', pattern: '/schedules/new' },
  { name: 'schedule', pattern: '/schedules/:id' },
  { name: 'browse', pattern: '/snapshots/:repo/:snap' },
] as const;

describe('matchPattern', () => {
  it('matches literals and captures parameters', () => {
    expect(matchPattern('/hosts/:id', '/hosts/01ABC')).toEqual({ id: '01ABC' });
    expect(matchPattern('/hosts', '/hosts/')).toEqual({});
    expect(matchPattern('/hosts/:id', '/hosts')).toBeNull();
    expect(matchPattern('/hosts/:id', '/jobs/1')).toBeNull();
  });
  it('decodes captured segments and rejects broken escapes', () => {
    expect(matchPattern('/hosts/:id', '/hosts/a%20b')).toEqual({ id: 'a b' });
    expect(matchPattern('/hosts/:id', '/hosts/%E0%A4%A')).toBeNull();
  });
});

describe('matchRoute', () => {
  it('returns the first matching route in order', () => {
    expect(matchRoute(routes, '/')).toEqual({ name: 'dashboard', params: {} });
    expect(matchRoute(routes, '/schedules/new')).toEqual({ name: 'scheduleNew', params: {} });
    expect(matchRoute(routes, '/schedules/s1')).toEqual({ name: 'schedule', params: { id: 's1' } });
    expect(matchRoute(routes, '/snapshots/r1/abc')).toEqual({ name: 'browse', params: { repo: 'r1', snap: 'abc' } });
  });
  it('returns null for unknown paths', () => {
    expect(matchRoute(routes, '/nope')).toBeNull();
    expect(matchRoute(routes, '/hosts/a/b')).toBeNull();
  });
});

describe('buildPath', () => {
  it('encodes parameters', () => {
    expect(buildPath('/hosts/:id', { id: 'a/b' })).toBe('/hosts/a%2Fb');
    expect(buildPath('/')).toBe('/');
  });
  it('throws on a missing parameter', () => {
    expect(() => buildPath('/hosts/:id')).toThrow(/:id/);
  });
});

describe('link helpers', () => {
  const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
  it('leaves modified clicks to the browser', () => {
    expect(isModifiedClick(click)).toBe(false);
    expect(isModifiedClick({ ...click, ctrlKey: true })).toBe(true);
    expect(isModifiedClick({ ...click, button: 1 })).toBe(true);
  });
  it('routes only same-origin app paths', () => {
    expect(isAppPath('/hosts')).toBe(true);
    expect(isAppPath('/api/v1/openapi.json')).toBe(false);
    expect(isAppPath('//evil.example/')).toBe(false);
    expect(isAppPath('https://x/')).toBe(false);
  });
});
