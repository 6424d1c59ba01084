import { useState } from 'preact/hooks';
import { measureRepository } from '../api/stats';
import type { Repository } from '../api/types';
import { api, usePermissions } from '../app/context';
import { deleteWith, useAction, useAsync, useTitle } from '../app/hooks';
import { Link } from '../app/navigation';
import { ConfirmButton, Empty, ErrorNote, FormActions, Loading, TableHead } from '../components/ui';
import { formatBytes, formatRelative, formatTime } from '../lib/format';

export function RepositoriesPage() {
  useTitle('Repositories');
  const perms = usePermissions();
  const repos = useAsync(() => api.getAll<Repository>('/repositories'), []);
  const [editing, setEditing] = useState<Repository | 'new' | null>(null);
  const action = useAction();

  const remove = async (r: Repository) => {
    if (await deleteWith(action, `/repositories/${r.id}`)) repos.reload();
  };
  const [measuring, setMeasuring] = useState<Record<string, string>>({});
  const measure = async (r: Repository) => {
    const job = await action.run(() => measureRepository(api, r.id));
    if (job) setMeasuring((m) => ({ ...m, [r.id]: job.id }));
  };

  return (
    <section>
      <header class="page-head">
        <h1>Repositories</h1>
        {perms.mutate && editing === null && (
          <button type="button" class="btn btn-primary" onClick={() => setEditing('new')}>
            Add repository
          </button>
        )}
      </header>
      <p class="muted">
        A repository is a restic repository URL and its password. The password is stored encrypted and is never shown
        again; agents receive it only for the jobs they run.
      </p>
      {perms.mutate && editing !== null && (
        <RepositoryForm
          key={editing === 'new' ? 'new' : editing.id}
          repo={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            repos.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ErrorNote error={repos.error ?? action.error} />
      {repos.loading && !repos.data ? (
        <Loading />
      ) : repos.data && repos.data.length === 0 ? (
        <Empty>No repositories yet.</Empty>
      ) : (
        <table class="table">
          <TableHead columns={['Name', 'URL', 'Size', 'Updated', 'Snapshots', perms.mutate && 'Actions']} />
          <tbody>
            {repos.data?.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>
                  <code class="wrap">{r.url}</code>
                </td>
                <td data-testid="repository-size">
                  {r.latest_stats ? (
                    <span title={`measured ${formatTime(r.latest_stats.at)}; restoring the latest snapshots writes ${formatBytes(r.latest_stats.restore_size_bytes)}`}>
                      {formatBytes(r.latest_stats.raw_data_bytes)}{' '}
                      <span class="muted small">{formatRelative(r.latest_stats.at)}</span>
                    </span>
                  ) : (
                    <span class="muted">not measured yet</span>
                  )}
                  {measuring[r.id] && (
                    <div class="small">
                      <Link href={`/jobs/${measuring[r.id]}`}>measuring…</Link>
                    </div>
                  )}
                </td>
                <td>{formatTime(r.updated_at)}</td>
                <td>
                  <Link href={`/snapshots?repository_id=${r.id}`}>Snapshots</Link>
                </td>
                {perms.mutate && (
                  <td class="nowrap">
                    <button type="button" class="btn btn-small" aria-label={`Edit ${r.name}`} onClick={() => setEditing(r)}>
                      Edit
                    </button>{' '}
                    <button
                      type="button"
                      class="btn btn-small"
                      aria-label={`Measure ${r.name} now`}
                      disabled={action.pending || Boolean(measuring[r.id])}
                      onClick={() => void measure(r)}
                    >
                      Measure
                    </button>{' '}
                    <ConfirmButton label="Delete" ariaLabel={`Delete ${r.name}`} onConfirm={() => void remove(r)} />
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

function RepositoryForm({ repo, onDone, onCancel }: { repo: Repository | null; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(repo?.name ?? '');
  const [url, setUrl] = useState(repo?.url ?? '');
  const [password, setPassword] = useState('');
  const [maxBackups, setMaxBackups] = useState(String(repo?.max_concurrent_backups ?? 0));
  const [windowCron, setWindowCron] = useState(repo?.maintenance_cron ?? '');
  const [windowMinutes, setWindowMinutes] = useState(String(repo?.maintenance_minutes || 120));
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    // Shared-repository settings: the server validates the cron and the duration together.
    const cron = windowCron.trim();
    const sharing = {
      max_concurrent_backups: Number(maxBackups) || 0,
      maintenance_cron: cron,
      maintenance_minutes: cron === '' ? 0 : Number(windowMinutes) || 0,
    };
    const saved = await action.run(() => {
      if (!repo) return api.post<Repository>('/repositories', { name: name.trim(), url: url.trim(), password, ...sharing });
      const body: Record<string, string | number> = {};
      if (name.trim() !== repo.name) body.name = name.trim();
      if (url.trim() !== repo.url) body.url = url.trim();
      if (password !== '') body.password = password;
      if (sharing.max_concurrent_backups !== repo.max_concurrent_backups) body.max_concurrent_backups = sharing.max_concurrent_backups;
      if (sharing.maintenance_cron !== repo.maintenance_cron || sharing.maintenance_minutes !== repo.maintenance_minutes) {
        body.maintenance_cron = sharing.maintenance_cron;
        body.maintenance_minutes = sharing.maintenance_minutes;
      }
      if (Object.keys(body).length === 0) return Promise.resolve(repo);
      return api.patch<Repository>(`/repositories/${repo.id}`, body);
    });
    if (saved) onDone();
  };
  return (
    <form class="card panel" onSubmit={submit} aria-label={repo ? `Edit ${repo.name}` : 'Add repository'}>
      <h2>{repo ? `Edit ${repo.name}` : 'New repository'}</h2>
      <div class="grid-2">
        <label class="field">
          <span>Name</span>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required autoFocus />
        </label>
        <label class="field">
          <span>URL</span>
          <input
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            required
            placeholder="/srv/restic-repo or s3:https://…"
            spellcheck={false}
          />
        </label>
      </div>
      <label class="field">
        <span>Password</span>
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required={!repo}
          placeholder={repo ? 'unchanged — type to replace' : ''}
        />
      </label>
      <div class="grid-2">
        <label class="field">
          <span>Concurrent backups (all hosts; 0 = unlimited)</span>
          <input type="number" min={0} max={1000} value={maxBackups} onInput={(e) => setMaxBackups(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Maintenance window (cron, UTC; empty = any time)</span>
          <input
            value={windowCron}
            onInput={(e) => setWindowCron(e.currentTarget.value)}
            placeholder="0 2 * * *"
            spellcheck={false}
          />
        </label>
      </div>
      {windowCron.trim() !== '' && (
        <label class="field">
          <span>Window length (minutes)</span>
          <input
            type="number"
            min={1}
            max={10080}
            value={windowMinutes}
            onInput={(e) => setWindowMinutes(e.currentTarget.value)}
          />
        </label>
      )}
      <p class="muted small">
        Hosts writing to this repository share it: prune, forget and check wait for every host's backups and start
        only inside the maintenance window; backups wait while maintenance runs.
      </p>
      <FormActions pending={action.pending} onCancel={onCancel} error={action.error} />
    </form>
  );
}
