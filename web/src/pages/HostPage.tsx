import { useState } from 'preact/hooks';
import { getLatestDrills } from '../api/stats';
import type { Host, Job, Page, Repository, Schedule, Snapshot, SourceGroup } from '../api/types';
import { api, usePermissions } from '../app/context';
import { deleteWith, useAction, useAsync, useEvent, useReconnect, useTitle } from '../app/hooks';
import { Link, navigate } from '../app/navigation';
import { browsePath } from '../app/routes';
import { DrillCell } from '../components/DrillCell';
import { HostLabelsField } from '../components/HostLabels';
import { ScheduleWindows } from '../components/WindowTimeline';
import { Badge, ConfirmButton, Details, Empty, ErrorNote, Field, FormActions, Loading, OnlineBadge, StatusBadge, TableHead } from '../components/ui';
import { lastDrillView } from '../lib/drills';
import { HostAlerts } from '../components/HostAlerts';
import { formatRelative, formatTime, shortId } from '../lib/format';
import { hookPolicyText } from '../lib/restorePolicy';
import { mergeLive } from '../lib/liveList';
import { VersionBadge } from './HostsPage';

export function HostPage({ id }: { id: string }) {
  const perms = usePermissions();
  const host = useAsync((signal) => api.get<Host>(`/hosts/${id}`, undefined, signal), [id]);
  const repos = useAsync(() => api.getAll<Repository>('/repositories'), []);
  const groups = useAsync(() => api.getAll<SourceGroup>('/source-groups', { host_id: id }), [id]);
  const schedules = useAsync(() => api.getAll<Schedule>('/schedules', { host_id: id }), [id]);
  const jobs = useAsync((signal) => api.get<Page<Job>>('/jobs', { host_id: id, limit: 10 }, signal), [id]);
  const drills = useAsync((signal) => getLatestDrills(api, signal), [id]);
  useTitle(host.data?.name ?? 'Host');

  useReconnect(() => {
    host.reload();
    jobs.reload();
    schedules.reload();
  });
  useEvent<Host>('host', (h) => {
    if (h.id === id) host.setData(h);
  });
  useEvent<Job>('job', (j) => {
    if (j.host_id !== id) return;
    jobs.setData((prev) => ({
      items: mergeLive(prev?.items ?? [], j, { add: true, max: 10 }),
      next_cursor: prev?.next_cursor ?? null,
    }));
  });

  if (host.error && !host.data) {
    return (
      <section>
        <h1>Host</h1>
        <ErrorNote error={host.error} />
      </section>
    );
  }
  if (!host.data) return <Loading />;
  const h = host.data;
  const repoList = repos.data ?? [];

  return (
    <section>
      <header class="page-head">
        <h1>{h.name}</h1>
        <OnlineBadge connected={h.connected} />
      </header>
      {h.install_conflict_at && (
        <p class="error-note" role="alert">
          A second agent installation used this host's token at {formatTime(h.install_conflict_at)} and was refused.
          If the agent moved to another machine, enroll it again.
        </p>
      )}
      <div class="card">
        <Details
          rows={[
            ['Hostname', h.hostname ?? 'not enrolled yet'],
            ['System', h.os ? `${h.os} / ${h.arch ?? '?'}` : '—'],
            ['Agent', h.agent_version ?? '—'],
            ['restic', h.restic_version ?? '—'],
            ['Last seen', <span title={formatTime(h.last_seen_at)}>{formatRelative(h.last_seen_at)}</span>],
            ['Last backup', <span title={formatTime(h.last_backup_at)}>{formatRelative(h.last_backup_at)}</span>],
            ['Last verified restore', <DrillCell view={lastDrillView(drills.data ?? [], h.id)} now={Date.now()} />],
            [
              'Schedule version',
              <span>
                <VersionBadge canonical={h.schedule_version.canonical} applied={h.schedule_version.applied} />{' '}
                <span class="muted">
                  pushed v{h.schedule_version.canonical}, applied v{h.schedule_version.applied}
                  {h.schedule_version.applied_at ? ` at ${formatTime(h.schedule_version.applied_at)}` : ''}
                </span>
                {h.schedule_rejected.length > 0 && (
                  <ul class="error-note" aria-label="Schedules the agent could not apply">
                    {h.schedule_rejected.map((r) => (
                      <li key={r.schedule_id}>
                        not applied: schedule {shortId(r.schedule_id)} — {r.reason}
                        {r.since ? ` (since ${formatTime(r.since)})` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </span>,
            ],
            [
              'Restore root',
              h.agent_policy?.restore_root ? <code>{h.agent_policy.restore_root}</code> : 'not reported (agent not connected yet)',
            ],
            [
              'Restores elsewhere',
              h.agent_policy
                ? h.agent_policy.restore_anywhere
                  ? 'allowed by this host for admins (in place included)'
                  : 'refused by this host (its agent lacks --allow-restore-anywhere)'
                : 'not reported',
            ],
            ['Hooks', hookPolicyText(h.agent_policy)],
            ['Current job', h.current_job_id ? <Link href={`/jobs/${h.current_job_id}`}>{shortId(h.current_job_id)}</Link> : 'none'],
            ['Labels', <HostLabelsField host={h} canEdit={perms.mutate} onChange={host.setData} />],
            ['Mode', perms.mutate ? <ModeToggle host={h} onChange={host.setData} /> : h.mode === 'always_on' ? 'always on' : 'intermittent'],
          ]}
        />
      </div>

      <HostAlerts hostId={h.id} canAct={perms.actOnAlerts} />
      <RepositoriesSection host={h} repos={repoList} error={repos.error} canMutate={perms.mutate} />
      <GroupsSection
        host={h}
        groups={groups.data ?? []}
        loading={groups.loading && !groups.data}
        error={groups.error}
        repos={repoList}
        canMutate={perms.mutate}
        reload={() => {
          groups.reload();
          host.reload();
        }}
      />
      <SchedulesSection
        host={h}
        schedules={schedules.data ?? []}
        error={schedules.error}
        repos={repoList}
        groups={groups.data ?? []}
        canMutate={perms.mutate}
      />
      <section class="section">
        <header class="section-head">
          <h2>Jobs</h2>
          <Link href={`/jobs?host_id=${h.id}`}>All jobs of this host</Link>
        </header>
        <ErrorNote error={jobs.error} />
        {jobs.data && jobs.data.items.length === 0 ? (
          <Empty>No jobs yet.</Empty>
        ) : (
          <JobsTable jobs={jobs.data?.items ?? []} repoName={(rid) => repoList.find((r) => r.id === rid)?.name ?? shortId(rid)} />
        )}
      </section>
      <HostSnapshots host={h} repos={repoList} />
    </section>
  );
}

function ModeToggle({ host, onChange }: { host: Host; onChange: (h: Host) => void }) {
  const action = useAction();
  const toggle = async (checked: boolean) => {
    const updated = await action.run(() =>
      api.patch<Host>(`/hosts/${host.id}`, { mode: checked ? 'always_on' : 'intermittent' }),
    );
    if (updated) onChange(updated);
  };
  return (
    <span>
      <label class="check">
        <input
          type="checkbox"
          checked={host.mode === 'always_on'}
          disabled={action.pending}
          onChange={(e) => void toggle(e.currentTarget.checked)}
        />
        <span>Always on</span>
      </label>
      <span class="muted"> (intermittent hosts get missed backups caught up when they connect)</span>
      <ErrorNote error={action.error} />
    </span>
  );
}

function RepositoriesSection({
  host,
  repos,
  error,
  canMutate,
}: {
  host: Host;
  repos: Repository[];
  error: unknown;
  canMutate: boolean;
}) {
  const action = useAction();
  const init = async (repo: Repository) => {
    const job = await action.run(() => api.post<Job>('/jobs', { host_id: host.id, kind: 'init', repository_id: repo.id }));
    if (job) navigate(`/jobs/${job.id}`);
  };
  return (
    <section class="section">
      <header class="section-head">
        <h2>Repositories</h2>
        <Link href="/repositories">Manage repositories</Link>
      </header>
      <ErrorNote error={error ?? action.error} />
      {repos.length === 0 ? (
        <Empty>No repositories defined yet.</Empty>
      ) : (
        <table class="table">
          <TableHead columns={['Name', 'URL', canMutate && 'Actions']} />
          <tbody>
            {repos.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>
                  <code class="wrap">{r.url}</code>
                </td>
                {canMutate && (
                  <td>
                    <button
                      type="button"
                      class="btn btn-small"
                      aria-label={`Initialize ${r.name}`}
                      disabled={action.pending}
                      onClick={() => void init(r)}
                    >
                      Initialize
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function GroupForm({
  host,
  group,
  onDone,
  onCancel,
}: {
  host: Host;
  group: SourceGroup | null;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(group?.name ?? '');
  const [paths, setPaths] = useState((group?.paths ?? []).join('\n'));
  const [excludes, setExcludes] = useState((group?.excludes ?? []).join('\n'));
  const [tags, setTags] = useState((group?.tags ?? []).join(', '));
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      name: name.trim(),
      paths: linesOf(paths),
      excludes: linesOf(excludes),
      tags: tags
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    };
    const saved = await action.run(() =>
      group
        ? api.patch<SourceGroup>(`/source-groups/${group.id}`, body)
        : api.post<SourceGroup>('/source-groups', { host_id: host.id, ...body }),
    );
    if (saved) onDone();
  };
  return (
    <form class="card panel" onSubmit={submit} aria-label={group ? `Edit ${group.name}` : 'Add source group'}>
      <h3>{group ? `Edit ${group.name}` : 'New source group'}</h3>
      <label class="field">
        <span>Name</span>
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required autoFocus />
      </label>
      <div class="grid-2">
        <Field label="Paths" help="Absolute paths, one per line." helpId="paths-help">
          <textarea
            rows={4}
            value={paths}
            onInput={(e) => setPaths(e.currentTarget.value)}
            placeholder={'/etc\n/srv/data'}
            aria-describedby="paths-help"
          />
        </Field>
        <Field label="Excludes" help="restic exclude patterns, one per line." helpId="excludes-help">
          <textarea
            rows={4}
            value={excludes}
            onInput={(e) => setExcludes(e.currentTarget.value)}
            placeholder={'*.tmp\n/srv/data/cache'}
            aria-describedby="excludes-help"
          />
        </Field>
      </div>
      <label class="field">
        <span>Tags</span>
        <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} placeholder="comma separated" />
      </label>
      <FormActions pending={action.pending} onCancel={onCancel} error={action.error} />
    </form>
  );
}

function GroupsSection({
  host,
  groups,
  loading,
  error,
  repos,
  canMutate,
  reload,
}: {
  host: Host;
  groups: SourceGroup[];
  loading: boolean;
  error: unknown;
  repos: Repository[];
  canMutate: boolean;
  reload: () => void;
}) {
  const [editing, setEditing] = useState<SourceGroup | 'new' | null>(null);
  const action = useAction();
  const remove = async (g: SourceGroup) => {
    if (await deleteWith(action, `/source-groups/${g.id}`)) reload();
  };
  return (
    <section class="section">
      <header class="section-head">
        <h2>Source groups</h2>
        {canMutate && editing === null && (
          <button type="button" class="btn" onClick={() => setEditing('new')}>
            Add source group
          </button>
        )}
      </header>
      {canMutate && editing !== null && (
        <GroupForm
          key={editing === 'new' ? 'new' : editing.id}
          host={host}
          group={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ErrorNote error={error ?? action.error} />
      {loading ? (
        <Loading />
      ) : groups.length === 0 ? (
        <Empty>No source groups. A source group is a set of paths backed up together.</Empty>
      ) : (
        <table class="table">
          <TableHead columns={['Name', 'Paths', 'Excludes', canMutate && 'Back up', canMutate && 'Actions']} />
          <tbody>
            {groups.map((g) => (
              <tr key={g.id}>
                <td>{g.name}</td>
                <td>
                  <ul class="plain">
                    {g.paths.map((p) => (
                      <li key={p}>
                        <code>{p}</code>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  {g.excludes.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <ul class="plain">
                      {g.excludes.map((p) => (
                        <li key={p}>
                          <code>{p}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                {canMutate && (
                  <td>
                    <BackupNow host={host} group={g} repos={repos} />
                  </td>
                )}
                {canMutate && (
                  <td class="nowrap">
                    <button type="button" class="btn btn-small" aria-label={`Edit ${g.name}`} onClick={() => setEditing(g)}>
                      Edit
                    </button>{' '}
                    <ConfirmButton label="Delete" ariaLabel={`Delete ${g.name}`} onConfirm={() => void remove(g)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function BackupNow({ host, group, repos }: { host: Host; group: SourceGroup; repos: Repository[] }) {
  const [repoId, setRepoId] = useState('');
  const action = useAction();
  const chosen = repoId || repos[0]?.id || '';
  const run = async () => {
    const job = await action.run(() =>
      api.post<Job>('/jobs', { host_id: host.id, kind: 'backup', repository_id: chosen, source_group_id: group.id }),
    );
    if (job) navigate(`/jobs/${job.id}`);
  };
  if (repos.length === 0) return <span class="muted">add a repository first</span>;
  return (
    <div class="inline-form">
      <select aria-label={`Repository for ${group.name}`} value={chosen} onChange={(e) => setRepoId(e.currentTarget.value)}>
        {repos.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
      <button
        type="button"
        class="btn btn-small btn-primary"
        aria-label={`Back up ${group.name} now`}
        disabled={action.pending || !chosen}
        onClick={() => void run()}
      >
        Back up now
      </button>
      <ErrorNote error={action.error} />
    </div>
  );
}

function SchedulesSection({
  host,
  schedules,
  error,
  repos,
  groups,
  canMutate,
}: {
  host: Host;
  schedules: Schedule[];
  error: unknown;
  repos: Repository[];
  groups: SourceGroup[];
  canMutate: boolean;
}) {
  const repoName = (rid: string) => repos.find((r) => r.id === rid)?.name ?? shortId(rid);
  const groupNames = (ids: string[]) => ids.map((gid) => groups.find((g) => g.id === gid)?.name ?? shortId(gid)).join(', ');
  const { canonical, applied } = host.schedule_version;
  return (
    <section class="section">
      <header class="section-head">
        <h2>Schedules</h2>
        {canMutate && (
          <button type="button" class="btn" onClick={() => navigate(`/schedules/new?host_id=${encodeURIComponent(host.id)}`)}>
            Add schedule
          </button>
        )}
      </header>
      <p class="muted">
        Pushed version v{canonical}, applied by the agent v{applied}
        {canonical !== applied && ' — the agent has not applied the latest schedules yet'}.
      </p>
      <ErrorNote error={error} />
      {schedules.length === 0 ? (
        <Empty>No schedules.</Empty>
      ) : (
        <table class="table">
          <TableHead columns={['Name', 'Kind', 'When', 'Repository', 'Groups', 'Next run', 'Version', 'Last windows']} />
          <tbody>
            {schedules.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/schedules/${s.id}`}>{s.name}</Link>
                </td>
                <td>{s.kind}</td>
                <td>
                  <code>{s.cron}</code> <span class="muted">{s.timezone}</span>
                </td>
                <td>{repoName(s.repository_id)}</td>
                <td>{groupNames(s.source_group_ids) || <span class="muted">—</span>}</td>
                <td>{s.enabled ? formatTime(s.next_fires[0]) : <Badge tone="muted">disabled</Badge>}</td>
                <td>
                  {s.schedule_version <= applied ? (
                    <Badge tone="ok">applied</Badge>
                  ) : (
                    <Badge tone="warn">pending (v{s.schedule_version})</Badge>
                  )}
                </td>
                <td>
                  <ScheduleWindows scheduleId={s.id} limit={14} compact />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function JobsTable({
  jobs,
  repoName,
  hostName,
}: {
  jobs: Job[];
  repoName: (id: string | null) => string;
  hostName?: (id: string) => string;
}) {
  return (
    <table class="table">
      <TableHead columns={['Job', 'Status', hostName && 'Host', 'Repository', 'By', 'Created', 'Finished']} />
      <tbody>
        {jobs.map((j) => (
          <tr key={j.id}>
            <td>
              <Link href={`/jobs/${j.id}`}>
                {j.kind} <span class="muted mono">{shortId(j.id.slice(-8))}</span>
              </Link>
            </td>
            <td>
              <StatusBadge status={j.status} />
            </td>
            {hostName && <td>{hostName(j.host_id)}</td>}
            <td>{repoName(j.repository_id)}</td>
            <td>{j.actor_kind}</td>
            <td title={formatTime(j.created_at)}>{formatRelative(j.created_at)}</td>
            <td>{j.finished_at ? formatTime(j.finished_at) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function HostSnapshots({ host, repos }: { host: Host; repos: Repository[] }) {
  const snaps = useAsync(async () => {
    const perRepo = await Promise.all(
      repos.map(async (r) => {
        try {
          const page = await api.get<Page<Snapshot>>(`/repositories/${r.id}/snapshots`, { host_id: host.id, limit: 20 });
          return page.items.map((s) => ({ repo: r, snap: s }));
        } catch {
          return [];
        }
      }),
    );
    return perRepo.flat().sort((a, b) => b.snap.time.localeCompare(a.snap.time)).slice(0, 20);
  }, [host.id, repos.map((r) => r.id).join(',')]);
  return (
    <section class="section">
      <header class="section-head">
        <h2>Snapshots</h2>
        <Link href="/snapshots">All snapshots</Link>
      </header>
      {snaps.loading && !snaps.data ? (
        <Loading />
      ) : !snaps.data || snaps.data.length === 0 ? (
        <Empty>No snapshots of this host yet.</Empty>
      ) : (
        <table class="table">
          <TableHead
            columns={[
              'Snapshot',
              'Time',
              'Repository',
              'Paths',
              { key: 'Browse', label: <span class="sr-only">Browse</span> },
            ]}
          />
          <tbody>
            {snaps.data.map(({ repo, snap }) => (
              <tr key={repo.id + snap.id}>
                <td class="mono">{snap.short_id}</td>
                <td>{formatTime(snap.time)}</td>
                <td>{repo.name}</td>
                <td>{snap.paths.join(', ')}</td>
                <td>
                  <Link href={browsePath(repo.id, snap.id, snap.host_id ?? host.id)}>Browse</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
