// Sidebar navigation, user menu and the page area.

import type { ComponentChildren } from 'preact';
import type { User } from '../api/types';
import { navFor } from '../lib/permissions';
import { logout } from './context';
import { useEventsOpen } from './hooks';
import { Link, useLocation } from './navigation';

function isActive(href: string, pathname: string): boolean {
  if (href === '/') return pathname === '/';
  return pathname === href || pathname.startsWith(href + '/');
}

export function Shell({ user, children }: { user: User; children: ComponentChildren }) {
  const { pathname } = useLocation();
  const live = useEventsOpen();
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
              <li key={item.href}>
                <Link
                  href={item.href}
                  class={isActive(item.href, pathname) ? 'nav-link active' : 'nav-link'}
                  aria-current={isActive(item.href, pathname) ? 'page' : undefined}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="sidebar-foot">
          <div class="whoami">
            <span class="whoami-name">{user.username}</span>
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
        {children}
      </main>
    </div>
  );
}
