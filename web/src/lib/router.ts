// A small history-API router: patterns like `/hosts/:id`, matched in order.

export interface RouteDef<N extends string = string> {
  name: N;
  pattern: string;
}

export interface RouteMatch<N extends string = string> {
  name: N;
  params: Record<string, string>;
}

/** Splits a path into its non-empty segments ("/a//b/" → ["a", "b"]). */
function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** Matches one pattern; `:name` segments capture (URL-decoded), others compare literally. */
export function matchPattern(pattern: string, pathname: string): Record<string, string> | null {
  const want = segments(pattern);
  const have = segments(pathname);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(h);
      } catch {
        return null;
      }
      params[w.slice(1)] = value;
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}

/** The first route whose pattern matches, or null. */
export function matchRoute<N extends string>(routes: readonly RouteDef<N>[], pathname: string): RouteMatch<N> | null {
  for (const route of routes) {
    const params = matchPattern(route.pattern, pathname);
    if (params) return { name: route.name, params };
  }
  return null;
}

/** Fills a pattern's `:name` segments (URL-encoded). */
export function buildPath(pattern: string, params: Record<string, string> = {}): string {
  const parts = segments(pattern).map((s) => {
    if (!s.startsWith(':')) return s;
    const value = params[s.slice(1)];
    if (value === undefined) throw new Error(`missing route parameter ${s}`);
    return encodeURIComponent(value);
  });
  return '/' + parts.join('/');
}

/** True when a click should be left to the browser (new tab, download, other target). */
export function isModifiedClick(e: {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}): boolean {
  return e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey;
}

/** Only same-origin, non-API paths are routed inside the app. */
export function isAppPath(href: string): boolean {
  if (!href.startsWith('/') || href.startsWith('//')) return false;
  return !href.startsWith('/api/');
}
