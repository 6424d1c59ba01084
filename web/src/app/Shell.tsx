// Sidebar navigation, user menu and the page area.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getServerTls } from '../api/server';
import type { User } from '../api/types';
import { alertBadge } from '../lib/alerts';
import { navFor } from '../lib/permissions';
import { useAlertCounts, useAlertCountsFeed } from './alertCounts';
import { api, logout } from './context';
import { useEventsOpen } from './hooks';
import { Link, useLocation } from './navigation';

// Plain HTTP on a non-loopback address (--insecure-http): tokens and passwords
// may cross the network in clear unless a TLS proxy is in front. Said on every page.
function InsecureHttpBanner() {
  const [insecure, setInsecure] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    getServerTls(api, abort.signal)
      .then((tls) => setInsecure(tls.insecure_http))
      .catch(() => setInsecure(false));
    return () => abort.abort();
  }, []);
  if (!insecure) return null;
  return (
    <div class="banner banner-warning" role="alert" data-testid="insecure-http-banner">
      This server serves plain HTTP on a network address (<code>--insecure-http</code>): host tokens and repository
      passwords cross the network in clear unless a TLS proxy is in front of it.
    </div>
  );
}

function isActive(href: string, pathname: string): boolean {
  if (href === '/') return pathname === '/';
  return pathname === href || pathname.startsWith(href + '/');
}

export function Shell({ user, children }: { user: User; children: ComponentChildren }) {
  const { pathname } = useLocation();
  const live = useEventsOpen();
  useAlertCountsFeed();
  const badge = alertBadge(useAlertCounts());
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <aside class="sidebar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            ✓
          </span>
          restic-manager
        </div>
        <nav aria-label="Main">
          <ul>
            {navFor(user.role).map((item) => (
              <li key={item.href} class="nav-item">
                <Link
                  href={item.href}
                  class={isActive(item.href, pathname) ? 'nav-link active' : 'nav-link'}
                  aria-current={isActive(item.href, pathname) ? 'page' : undefined}
                >
                  {item.label}
                </Link>
                {/* Beside the link, not in it: the link keeps its name ("Alerts"); the count is read after it. */}
                {item.href === '/alerts' && badge && (
                  <span class={`nav-badge nav-badge-${badge.tone}`} title={badge.title} data-testid="alert-badge">
                    <span aria-hidden="true">{badge.count}</span>
                    <span class="sr-only">{badge.title}</span>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <div class="sidebar-foot">
          <div class="whoami">
            <Link href="/account" class="whoami-name" aria-label={`Account of ${user.username}`}>
              {user.username}
            </Link>
            <span class="whoami-role">{user.role}</span>
          </div>
          <div class={live ? 'live live-on' : 'live'} title={live ? 'Live updates connected' : 'Live updates disconnected'}>
            <span class="live-dot" aria-hidden="true" />
            {live ? 'live updates on' : 'live updates off'}
          </div>
          <button type="button" class="btn btn-block" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" class="content" tabIndex={-1}>
        <InsecureHttpBanner />
        {children}
      </main>
    </div>
  );
}
