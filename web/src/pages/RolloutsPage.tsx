import { useState } from 'preact/hooks';
import { cancelRollout, listAgentReleases, listRollouts, startRollout } from '../api/rollouts';
import type { Rollout, RolloutHostState, RolloutState } from '../api/rollouts';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, useTitle } from '../app/hooks';
import { Badge, ConfirmButton, ErrorNote, TableHead } from '../components/ui';
import { formatRelative } from '../lib/format';
import type { BadgeTone } from '../lib/jobs';
import { rollbackProgress, rolloutProgress, startBody, waveSummaries, type StartRolloutDraft } from '../lib/rollouts';

const kRolloutTone: Record<RolloutState, BadgeTone> = { running: 'info', succeeded: 'ok', failed: 'bad', cancelled: 'muted' };
const kHostTone: Record<RolloutHostState, BadgeTone> = {
  pending: 'muted', updating: 'info', done: 'ok', failed: 'bad', rolled_back: 'warn', skipped: 'muted', rolling_back: 'warn',
};

export function RolloutsPage() {
  useTitle('Rollouts');
  const perms = usePermissions();
  const releases = useAsync((signal) => listAgentReleases(api, signal), []);
  const rollouts = useAsync((signal) => listRollouts(api, signal), []);
  return (
    <section>
      <header class="page-head">
        <h1>Agent rollouts</h1>
        <button type="button" class="btn" onClick={rollouts.reload}>
          Refresh
        </button>
      </header>
      <p class="muted">
        Server version {releases.data?.server_version ?? '…'}; update key <code>{releases.data?.update_key ?? '…'}</code>. Publish a release with{' '}
        <code>restic-manager-server publish-agent --binary PATH --release VERSION</code>.
      </p>
      <ErrorNote error={releases.error ?? rollouts.error} />
      {perms.users && releases.data && <StartForm versions={releases.data.items.map((r) => r.version)} onStarted={rollouts.reload} />}
      {rollouts.data && rollouts.data.items.length === 0 && <p>No rollouts yet.</p>}
      {rollouts.data?.items.map((r) => <RolloutCard key={r.id} rollout={r} canCancel={perms.users} onChanged={rollouts.reload} />)}
    </section>
  );
}

function StartForm({ versions, onStarted }: { versions: string[]; onStarted: () => void }) {
  const [draft, setDraft] = useState<StartRolloutDraft>({ version: versions[0] ?? '', selector: '', hostIds: '', waveSize: '1' });
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const set = (patch: Partial<StartRolloutDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = startBody(draft);
    if (typeof body === 'string') {
      setProblem(body);
      return;
    }
    setProblem(null);
    if (await action.run(() => startRollout(api, body))) onStarted();
  };
  if (versions.length === 0) return <p class="muted">No agent release is published yet.</p>;
  return (
    <form class="card form" onSubmit={submit} aria-label="Start a rollout">
      <label class="field">
        <span>Release</span>
        <select value={draft.version} onChange={(e) => set({ version: e.currentTarget.value })}>
          {versions.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Label selector (empty and no ids: every host)</span>
        <input value={draft.selector} placeholder="role=web" onInput={(e) => set({ selector: e.currentTarget.value })} />
      </label>
      <label class="field">
        <span>Or host ids, in update order</span>
        <input value={draft.hostIds} onInput={(e) => set({ hostIds: e.currentTarget.value })} />
      </label>
      <label class="field">
        <span>Wave size</span>
        <input type="number" min={1} value={draft.waveSize} onInput={(e) => set({ waveSize: e.currentTarget.value })} />
      </label>
      {problem && <p class="error">{problem}</p>}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={action.pending}>
          Start rollout
        </button>
      </div>
      <ErrorNote error={action.error} />
    </form>
  );
}

function RolloutCard({ rollout, canCancel, onChanged }: { rollout: Rollout; canCancel: boolean; onChanged: () => void }) {
  const action = useAction();
  const progress = rolloutProgress(rollout);
  const rollback = rollbackProgress(rollout);
  return (
    <article class="card" data-testid={`rollout-${rollout.id}`}>
      <header class="page-head">
        <h2>
          {rollout.version} <Badge tone={kRolloutTone[rollout.state]}>{rollout.state}</Badge>
        </h2>
        <span class="muted">
          {progress.done}/{progress.total} hosts · waves of {rollout.wave_size} · started {formatRelative(rollout.created_at)}
          {rollout.selector && <> · selector <code>{rollout.selector}</code></>}
        </span>
        {canCancel && rollout.state === 'running' && (
          <ConfirmButton label="Cancel" onConfirm={async () => (await action.run(() => cancelRollout(api, rollout.id))) && onChanged()} />
        )}
      </header>
      {rollout.error && <p class="error">{rollout.error}</p>}
      {rollback && (
        <p class="muted" data-testid="rollback">
          {rollback}
        </p>
      )}
      <ErrorNote error={action.error} />
      {waveSummaries(rollout).map((wave) => (
        <div key={wave.wave}>
          <h3>
            Wave {wave.wave + 1} <Badge tone={wave.status === 'failed' ? 'bad' : wave.status === 'done' ? 'ok' : wave.status === 'active' ? 'info' : 'muted'}>{wave.status}</Badge>
          </h3>
          <table class="table">
            <TableHead columns={['Host', 'State', 'From', 'Error']} />
            <tbody>
              {rollout.hosts
                .filter((h) => h.wave === wave.wave)
                .map((h) => (
                  <tr key={h.host_id}>
                    <td>{h.host_name}</td>
                    <td>
                      <Badge tone={kHostTone[h.state] ?? 'muted'}>{h.state.replace('_', ' ')}</Badge>
                    </td>
                    <td>{h.from_version || '—'}</td>
                    <td>{h.error || ''}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ))}
    </article>
  );
}
