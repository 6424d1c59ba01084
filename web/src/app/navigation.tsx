// History-API navigation: the current location as a store, navigate(), <Link>.

import type { ComponentChildren, TargetedMouseEvent } from 'preact';
import { isAppPath, isModifiedClick } from '../lib/router';
import { createStore, useStore } from './store';

export interface Location {
  pathname: string;
  search: string;
}

function current(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

export const locationStore = createStore<Location>(
  typeof window === 'undefined' ? { pathname: '/', search: '' } : current(),
);

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => locationStore.set(current()));
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const here = window.location.pathname + window.location.search;
  if (to !== here) {
    if (options.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
  }
  const next = current();
  const prev = locationStore.get();
  if (prev.pathname !== next.pathname) window.scrollTo(0, 0);
  locationStore.set(next);
}

export function useLocation(): Location {
  return useStore(locationStore);
}

export function useQuery(): URLSearchParams {
  return new URLSearchParams(useLocation().search);
}

/** Replaces query parameters of the current path (null/empty removes them). */
export function setQuery(changes: Record<string, string | null | undefined>, options: { replace?: boolean } = {}): void {
  const params = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  const text = params.toString();
  navigate(window.location.pathname + (text ? `?${text}` : ''), options);
}

interface AnchorProps {
  href: string;
  children?: ComponentChildren;
  class?: string;
  title?: string;
  target?: string;
  'aria-label'?: string;
  'aria-current'?: 'page' | undefined;
  onClick?: (e: TargetedMouseEvent<HTMLAnchorElement>) => void;
}

export function Link({ href, onClick, ...rest }: AnchorProps) {
  const handle = (e: TargetedMouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (isModifiedClick(e) || !isAppPath(href) || rest.target) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
