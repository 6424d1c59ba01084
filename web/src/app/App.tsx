// Top level: session gate, shell and route switch.

import { useEffect } from 'preact/hooks';
import { matchRoute } from '../lib/router';
import { Loading } from '../components/ui';
import { AccountPage } from '../pages/AccountPage';
import { AlertRulesPage } from '../pages/AlertRulesPage';
import { AlertsPage } from '../pages/AlertsPage';
import { AuditPage } from '../pages/AuditPage';
import { BrowsePage } from '../pages/BrowsePage';
import { DashboardPage } from '../pages/DashboardPage';
import { HostPage } from '../pages/HostPage';
import { HostsPage } from '../pages/HostsPage';
import { JobPage } from '../pages/JobPage';
import { JobsPage } from '../pages/JobsPage';
import { LoginPage } from '../pages/LoginPage';
import { NotFoundPage } from '../pages/NotFoundPage';
import { RepositoriesPage } from '../pages/RepositoriesPage';
import { ChannelsPage } from '../pages/ChannelsPage';
import { ScheduleEditorPage } from '../pages/ScheduleEditorPage';
import { SnapshotsPage } from '../pages/SnapshotsPage';
import { RolloutsPage } from '../pages/RolloutsPage';
import { TokensPage } from '../pages/TokensPage';
import { UsersPage } from '../pages/UsersPage';
import { boot, useSession } from './context';
import { navigate, useLocation } from './navigation';
import { kRoutes } from './routes';
import { Shell } from './Shell';

export function App() {
  const s = useSession();
  const loc = useLocation();
  useEffect(() => {
    void boot();
  }, []);

  const match = matchRoute(kRoutes, loc.pathname);

  useEffect(() => {
    if (s.status === 'authenticated' && match?.name === 'login') {
      const next = new URLSearchParams(loc.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    }
  }, [s.status, match?.name, loc.search]);

  const mustEnrol = s.status === 'authenticated' && s.mustEnrol;
  useEffect(() => {
    if (mustEnrol && match?.name !== 'account') navigate('/account', { replace: true });
  }, [mustEnrol, match?.name]);

  if (s.status === 'loading') return <Loading what="Starting" />;
  if (s.status === 'anonymous') return <LoginPage message={s.message} />;
  if (match?.name === 'login') return <Loading what="Signing in" />;
  // Admins require TOTP and this user has none: nothing else works until it is set up.
  if (mustEnrol) return <AccountPage />;

  let page;
  const p = match?.params ?? {};
  switch (match?.name) {
    case 'dashboard':
      page = <DashboardPage />;
      break;
    case 'alerts':
      page = <AlertsPage />;
      break;
    case 'alertRules':
      page = <AlertRulesPage />;
      break;
    case 'hosts':
      page = <HostsPage />;
      break;
    case 'host':
      page = <HostPage key={p.id} id={p.id!} />;
      break;
    case 'repositories':
      page = <RepositoriesPage />;
      break;
    case 'scheduleNew':
      page = <ScheduleEditorPage key="new" id={null} />;
      break;
    case 'schedule':
      page = <ScheduleEditorPage key={p.id} id={p.id!} />;
      break;
    case 'jobs':
      page = <JobsPage />;
      break;
    case 'job':
      page = <JobPage key={p.id} id={p.id!} />;
      break;
    case 'snapshots':
      page = <SnapshotsPage />;
      break;
    case 'browse':
      page = <BrowsePage key={`${p.repositoryId}/${p.snapshotId}`} repositoryId={p.repositoryId!} snapshotId={p.snapshotId!} />;
      break;
    case 'audit':
      page = <AuditPage />;
      break;
    case 'channels':
      page = <ChannelsPage />;
      break;
    case 'users':
      page = <UsersPage />;
      break;
    case 'tokens':
      page = <TokensPage />;
      break;
    case 'rollouts':
      page = <RolloutsPage />;
      break;
    case 'account':
      page = <AccountPage />;
      break;
    default:
      page = <NotFoundPage />;
  }
  return <Shell user={s.user}>{page}</Shell>;
}
