import { useState } from 'preact/hooks';
import { getLatestDrills, getRepositoryStats } from '../api/stats';
import type { Alert, Host, Job, JobProgress, Page, Repository, RepositoryStats, Schedule } from '../api/types';
import { listAlerts } from '../api/alerts';
import { isTerminal } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAsync, useEvent, useReconnect, useTitle } from '../app/hooks';
import { Link } from '../app/navigation';
import { AlertTable } from '../components/AlertTable';
import { LineChart } from '../components/LineChart';
import { Badge, Empty, ErrorNote, Loading, ProgressBar, StatusBadge, TableHead } from '../components/ui';
import { applyOpenAlert, compareAlerts, kOpenStates, unprotectedHosts } from '../lib/alerts';
import { durationSeries, growthSeries } from '../lib/dashboard';
import { DrillCell } from '../components/DrillCell';
import { lastDrillView, sizeSeries } from '../lib/drills';
import { formatBytes, formatDuration, formatEta, formatRelative, formatTime, percent } from '../lib/format';
import { classifyHealth, kHealthLabel, type Health } from '../lib/health';
import { byHostName, mergeLive } from '../lib/liveList';

const kHealthTone: Record<Health, 'ok' | 'warn' | 'bad' | 'muted'> = {
  green: 'ok',
  amber: 'warn',
  red: 'bad',
  no_schedule: 'muted',
};

interface ProgressEvent {
  job_id: string;
  progress: Partial<JobProgress>;
}

export function DashboardPage() {
  useTitle('Dashboard');
  const data = useAsync(async () => {
    const [hosts, schedules, repositories, running, dispatched, queued, failed, backups] = await Promise.all([
      api.getAll<Host>('/hosts'),
      api.getAll<Schedule>('/schedules'),
      api.getAll<Repository>('/repositories'),
      api.get<Page<Job>>('/jobs', { status: 'running', limit: 50 }),
      api.get<Page<Job>>('/jobs', { status: 'dispatched', limit: 50 }),
      api.get<Page<Job>>('/jobs', { status: 'queued', limit: 50 }),
      api.get<Page<Job>>('/jobs', { status: 'failed', limit: 10 }),
      api.get<Page<Job>>('/jobs', { kind: 'backup', status: 'succeeded', limit: 500 }),
    ]);
    // The real size series of every repository that has been measured (stats jobs).
    const [drills, sizes] = await Promise.all([
      getLatestDrills(api),
      Promise.all(
        repositories
          .filter((r) => r.latest_stats)
          .map(async (r) => [r.id, await getRepositoryStats(api, r.id)] as [string, RepositoryStats[]]),
      ),
    ]);
    return {
      drills,
      sizes: new Map(sizes),
      hosts,
      schedules,
      repositories,
      active: [...running.items, ...dispatched.items, ...queued.items],
      failed: failed.items,
      backups: backups.items,
    };
  }, []);
  const [progress, setProgress] = useState<Record<string, Partial<JobProgress>>>({});
  useReconnect(data.reload);

  // A new host (made elsewhere, or by an enrolling agent) joins the counts and the health table.
  useEvent<Host>('host', (h) =>
    data.setData((d) => (d ? { ...d, hosts: mergeLive(d.hosts, h, { add: true, compare: byHostName }) } : d!)),
  );
  useEvent<ProgressEvent>('job.progress', (e) => setProgress((p) => ({ ...p, [e.job_id]: e.progress })));
  useEvent<Job>('job', (j) =>
    data.setData((d) => {
      if (!d) return d!;
      const active = d.active.filter((x) => x.id !== j.id);
      if (!isTerminal(j.status)) active.unshift(j);
      const failed = j.status === 'failed' ? [j, ...d.failed.filter((x) => x.id !== j.id)].slice(0, 10) : d.failed;
      const backups =
        j.kind === 'backup' && j.status === 'succeeded' && !d.backups.some((x) => x.id === j.id) ? [j, ...d.backups] : d.backups;
      return { ...d, active, failed, backups };
    }),
  );

  if (data.error && !data.data) {
    return (
      <section>
        <header class="page-head">
          <h1>Dashboard</h1>
        </header>
        <AlertsLead />
        <ErrorNote error={data.error} />
      </section>
    );
  }
  if (!data.data) {
    return (
      <section>
        <header class="page-head">
          <h1>Dashboard</h1>
        </header>
        <AlertsLead />
        <Loading />
      </section>
    );
  }
  const d = data.data;
  const now = Date.now();
  const online = d.hosts.filter((h) => h.connected).length;
  const hostName = (id: string) => d.hosts.find((h) => h.id === id)?.name ?? id.slice(0, 8);
  const repoName = (id: string) => d.repositories.find((r) => r.id === id)?.name ?? id.slice(0, 8);
  const health = d.hosts.map((h) => ({ host: h, ...classifyHealth(h, d.schedules, now) }));
  const counts = { green: 0, amber: 0, red: 0, no_schedule: 0 } as Record<Health, number>;
  for (const h of health) counts[h.health]++;
  const order: Record<Health, number> = { red: 0, amber: 1, no_schedule: 2, green: 3 };
  health.sort((a, b) => order[a.health] - order[b.health] || a.host.name.localeCompare(b.host.name));

  return (
    <section>
      <header class="page-head">
        <h1>Dashboard</h1>
      </header>
      <AlertsLead />
      <div class="stats">
        <Stat value={online} label="hosts online" href="/hosts" />
        <Stat value={d.hosts.length - online} label="hosts offline" href="/hosts" />
        <Stat value={counts.green} label="backups healthy" tone="ok" />
        <Stat value={counts.amber} label="backups late" tone="warn" />
        <Stat value={counts.red} label="backups overdue" tone="bad" />
        <Stat value={d.active.length} label="jobs active" href="/jobs?status=running" />
      </div>

      <div class="grid-2 align-start">
        <section class="card">
          <h2>Backup health</h2>
          {health.length === 0 ? (
            <Empty>
              No hosts yet. <Link href="/hosts">Add one</Link>.
            </Empty>
          ) : (
            <table class="table compact">
              <TableHead columns={['Host', 'Health', 'Last backup', 'Interval', 'Last verified restore']} />
              <tbody>
                {health.map((h) => (
                  <tr key={h.host.id}>
                    <td>
                      <Link href={`/hosts/${h.host.id}`}>{h.host.name}</Link>{' '}
                      {!h.host.connected && <span class="muted">(offline)</span>}
                    </td>
                    <td>
                      <Badge tone={kHealthTone[h.health]}>{kHealthLabel[h.health]}</Badge>
                    </td>
                    <td title={formatTime(h.host.last_backup_at)}>{formatRelative(h.host.last_backup_at, now)}</td>
                    <td>{h.interval ? `every ${formatDuration(h.interval)}` : '—'}</td>
                    <td>
                      <DrillCell view={lastDrillView(d.drills, h.host.id)} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <div>
          <section class="card">
            <h2>Running jobs</h2>
            {d.active.length === 0 ? (
              <Empty>Nothing running.</Empty>
            ) : (
              <ul class="job-list">
                {d.active.map((j) => {
                  const p = { ...(j.progress ?? {}), ...(progress[j.id] ?? {}) };
                  const pct = percent(p.percent_done);
                  return (
                    <li key={j.id}>
                      <div class="job-line">
                        <Link href={`/jobs/${j.id}`}>
                          {j.kind} on {hostName(j.host_id)}
                        </Link>
                        <StatusBadge status={j.status} />
                        <span class="muted">
                          {pct}% · {formatBytes(p.bytes_done ?? 0)} · ETA {formatEta(p.seconds_remaining, p.percent_done)}
                        </span>
                      </div>
                      <ProgressBar value={pct} label={`Progress of ${j.kind} on ${hostName(j.host_id)}`} />
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
          <section class="card">
            <h2>Recent failures</h2>
            {d.failed.length === 0 ? (
              <Empty>No failed jobs.</Empty>
            ) : (
              <ul class="plain failure-list">
                {d.failed.map((j) => (
                  <li key={j.id}>
                    <Link href={`/jobs/${j.id}`}>
                      {j.kind} on {hostName(j.host_id)}
                    </Link>{' '}
                    <span class="muted">{formatRelative(j.finished_at ?? j.created_at, now)}</span>
                    {j.error && <div class="failure-error">{j.error}</div>}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>

      <div class="grid-2 align-start">
        <section class="card">
          <h2>Backup duration</h2>
          <LineChart
            title="Backup duration per host (succeeded backups)"
            series={durationSeries(d.backups, hostName)}
            formatValue={formatDuration}
          />
        </section>
        {d.sizes.size > 0 ? (
          <section class="card">
            <h2>Repository size</h2>
            <LineChart
              title="Stored size per repository (restic stats raw-data), over the last year"
              series={sizeSeries(d.sizes, repoName)}
              formatValue={formatBytes}
            />
            <p class="muted small">
              What each repository holds after deduplication and compression, measured by its daily stats job — it
              drops after a prune.
            </p>
          </section>
        ) : (
          <section class="card">
            <h2>Repository growth</h2>
            <LineChart
              title="Data added (cumulative) per repository, over the last 500 backups"
              series={growthSeries(d.backups, repoName)}
              formatValue={formatBytes}
            />
            <p class="muted small">
              No repository has been measured yet (stats jobs run daily through a host that uses it): until then, the
              sum of restic's “data added” of each succeeded backup — forget and prune are not subtracted.
            </p>
          </section>
        )}
      </div>
    </section>
  );
}

/** One figure of the stats row; a link when it leads to the list behind it. */
function Stat({
  value,
  label,
  href,
  tone,
}: {
  value: number;
  label: string;
  href?: string;
  tone?: 'ok' | 'warn' | 'bad';
}) {
  const body = (
    <>
      <span class="stat-value">{value}</span>
      <span class="stat-label">{label}</span>
    </>
  );
  if (href) {
    return (
      <Link href={href} class="stat">
        {body}
      </Link>
    );
  }
  return <div class={tone ? `stat stat-${tone}` : 'stat'}>{body}</div>;
}

/** How many firing alerts the dashboard lists before "all alerts". */
const kLeadAlerts = 10;

/**
 * What the dashboard leads with: the firing alerts (critical first) and the
 * hosts an unresolved host_unprotected alert names, kept current by the live
 * `alert` event.
 */
function AlertsLead() {
  const perms = usePermissions();
  const open = useAsync(async (signal) => {
    const page = await listAlerts(api, { states: kOpenStates, limit: 500 }, signal);
    return [...page.items].sort(compareAlerts);
  }, []);
  useReconnect(open.reload);
  const apply = (a: Alert) => open.setData((items) => (items ? applyOpenAlert(items, a) : items!));
  useEvent<Alert>('alert', apply);

  const all = open.data ?? [];
  const firing = all.filter((a) => a.state === 'firing');
  const unprotected = unprotectedHosts(all);
  return (
    <>
      <section class={firing.length > 0 ? 'card alert-lead' : 'card'} aria-labelledby="dashboard-firing">
        <header class="section-head">
          <h2 id="dashboard-firing">Firing alerts{open.data ? ` (${firing.length})` : ''}</h2>
          <Link href="/alerts">All alerts</Link>
        </header>
        <ErrorNote error={open.error} />
        {!open.data ? (
          open.error ? null : <Loading />
        ) : firing.length === 0 ? (
          <Empty>No alerts firing.</Empty>
        ) : (
          <>
            <AlertTable
              alerts={firing.slice(0, kLeadAlerts)}
              canAct={perms.actOnAlerts}
              onChanged={apply}
              showResolved={false}
              testId="dashboard-alerts"
            />
            {firing.length > kLeadAlerts && (
              <p class="muted small">
                {firing.length - kLeadAlerts} more — <Link href="/alerts?tab=firing">see them all</Link>.
              </p>
            )}
          </>
        )}
      </section>
      <section class={unprotected.length > 0 ? 'card alert-lead' : 'card'} aria-labelledby="dashboard-unprotected">
        <header class="section-head">
          <h2 id="dashboard-unprotected">Unprotected hosts{open.data ? ` (${unprotected.length})` : ''}</h2>
          <Link href="/alerts?kind=host_unprotected">Their alerts</Link>
        </header>
        {!open.data ? null : unprotected.length === 0 ? (
          <Empty>Every host's backups are on time.</Empty>
        ) : (
          <ul class="plain" data-testid="unprotected-hosts">
            {unprotected.map((u) => (
              <li key={u.hostId}>
                <Link href={`/hosts/${u.hostId}`}>{u.hostName}</Link>{' '}
                <span class="muted small">{u.subjects.join(', ')}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
