// Snapshot path helpers for the browse page.

export interface Crumb {
  label: string;
  path: string;
}

/** Normalises to an absolute path without trailing slash ("" and "." → "/"). */
export function normalizePath(path: string | null | undefined): string {
  const parts = (path ?? '').split('/').filter((p) => p !== '' && p !== '.');
  return '/' + parts.join('/');
}

/** "/srv/data" → [{"/", "/"}, {"srv", "/srv"}, {"data", "/srv/data"}]. */
export function breadcrumbs(path: string): Crumb[] {
  const norm = normalizePath(path);
  const crumbs: Crumb[] = [{ label: '/', path: '/' }];
  let acc = '';
  for (const part of norm.split('/').filter((p) => p !== '')) {
    acc += '/' + part;
    crumbs.push({ label: part, path: acc });
  }
  return crumbs;
}

/** The parent directory ("/" stays "/"). */
export function parentPath(path: string): string {
  const norm = normalizePath(path);
  const i = norm.lastIndexOf('/');
  return i <= 0 ? '/' : norm.slice(0, i);
}

/**
 * Drops selected paths already covered by a selected ancestor directory
 * (restic restores a directory with everything below it).
 */
export function minimalSelection(paths: Iterable<string>): string[] {
  const sorted = [...new Set([...paths].map(normalizePath))].sort();
  const out: string[] = [];
  for (const p of sorted) {
    const covered = out.some((a) => a === '/' || p === a || p.startsWith(a + '/'));
    if (!covered) out.push(p);
  }
  return out;
}
