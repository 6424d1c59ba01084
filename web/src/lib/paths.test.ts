import { describe, expect, it } from 'vitest';
import { breadcrumbs, minimalSelection, normalizePath, parentPath } from './paths';

describe('normalizePath', () => {
  it('makes absolute paths without trailing slash', () => {
    expect(normalizePath('')).toBe('/');
    expect(normalizePath(null)).toBe('/');
    expect(normalizePath('/srv/data/')).toBe('/srv/data');
    expect(normalizePath('srv//./data')).toBe('/srv/data');
  });
});

describe('breadcrumbs', () => {
  it('lists each ancestor', () => {
    expect(breadcrumbs('/srv/data')).toEqual([
      { label: '/', path: '/' },
      { label: 'srv', path: '/srv' },
      { label: 'data', path: '/srv/data' },
    ]);
    expect(breadcrumbs('/')).toEqual([{ label: '/', path: '/' }]);
  });
});

describe('parentPath', () => {
  it('goes up one level', () => {
    expect(parentPath('/srv/data')).toBe('/srv');
    expect(parentPath('/srv')).toBe('/');
    expect(parentPath('/')).toBe('/');
  });
});

describe('minimalSelection', () => {
  it('drops paths under a selected directory and duplicates', () => {
    expect(minimalSelection(['/srv/data/a.txt', '/srv/data', '/etc/hosts', '/srv/data2', '/etc/hosts'])).toEqual([
      '/etc/hosts',
      '/srv/data',
      '/srv/data2',
    ]);
  });
  it('keeps only the root when it is selected', () => {
    expect(minimalSelection(['/a', '/'])).toEqual(['/']);
  });
});
