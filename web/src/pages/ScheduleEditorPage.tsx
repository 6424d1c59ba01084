import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CronNext, Host, Job, Repository, Schedule, ScheduleKind, SourceGroup } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, useTitle } from '../app/hooks';
import { Link, navigate, useQuery } from '../app/navigation';
import { ConfirmButton, ErrorNote, Field, Loading, Options } from '../components/ui';
import { CronPreview, previewErrorTarget, type CronPreviewState } from '../lib/cronPreview';
import { kKeepCounts, kKeepLabels } from '../lib/retention';
import {
  defaultScheduleForm,
  formatZoned,
  kindUsesGroups,
  MAX_RUNTIME_LIMIT,
  scheduleBody,
  scheduleToForm,
  type ScheduleForm,
} from '../lib/scheduleForm';
import { ScheduleWindows } from '../components/WindowTimeline';

const kKinds: ScheduleKind[] = ['backup', 'forget', 'prune', 'check', 'drill'];

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function zoneList(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    return intl.supportedValuesOf ? ['UTC', ...intl.supportedValuesOf('timeZone')] : ['UTC'];
  } catch {
    return ['UTC'];
  }
}

export function ScheduleEditorPage({ id }: { id: string | null }) {
  const query = useQuery();
  const schedule = useAsync(
    (signal) => (id ? api.get<Schedule>(`/schedules/${id}`, undefined, signal) : Promise.resolve(null)),
    [id],
  );
  const hostId = id ? (schedule.data?.host_id ?? null) : query.get('host_id');
  useTitle(id ? (schedule.data?.name ?? 'Schedule') : 'New schedule');

  if (id && schedule.error && !schedule.data) {
    return (
      <section>
        <h1>Schedule</h1>
        <ErrorNote error={schedule.error} />
      </section>
    );
  }
  if (id && !schedule.data) return <Loading />;
  if (!hostId) return <PickHost />;
  return (
    <Editor
      key={schedule.data?.id ?? 'new'}
      hostId={hostId}
      original={schedule.data ?? null}
      onSaved={(s) => {
        if (!id) navigate(`/schedules/${s.id}`, { replace: true });
        else schedule.setData(s);
      }}
    />
  );
}

function PickHost() {
  const hosts = useAsync(() => api.getAll<Host>('/hosts'), []);
  return (
    <section>
      <h1>New schedule</h1>
      <p>Schedules belong to a host. Choose one:</p>
      <ErrorNote error={hosts.error} />
      <ul>
        {hosts.data?.map((h) => (
          <li key={h.id}>
            <Link href={`/schedules/new?host_id=${encodeURIComponent(h.id)}`}>{h.name}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Editor({ hostId, original, onSaved }: { hostId: string; original: Schedule | null; onSaved: (s: Schedule) => void }) {
  const perms = usePermissions();
  const host = useAsync(() => api.get<Host>(`/hosts/${hostId}`), [hostId]);
  const groups = useAsync(() => api.getAll<SourceGroup>('/source-groups', { host_id: hostId }), [hostId]);
  const repos = useAsync(() => api.getAll<Repository>('/repositories'), []);
  const [form, setForm] = useState<ScheduleForm>(() =>
    original ? scheduleToForm(original) : defaultScheduleForm(browserZone()),
  );
  const [invalid, setInvalid] = useState<{ field: string; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useAction();
  const run = useAction();
  const remove = useAction();
  const zones = useMemo(zoneList, []);

  // Default the repository to the first one once they load.
  useEffect(() => {
    if (!form.repository_id && repos.data && repos.data.length > 0) {
      setForm((f) => ({ ...f, repository_id: f.repository_id || repos.data![0]!.id }));
    }
  }, [repos.data]);

  const [preview, setPreview] = useState<CronPreviewState>({ status: 'idle' });
  const previewer = useRef<CronPreview | null>(null);
  if (previewer.current === null) {
    previewer.current = new CronPreview(
      (expr, tz, signal) => api.get<CronNext>('/cron/next', { expr, tz, n: 5 }, signal).then((r) => r.next),
      setPreview,
    );
  }
  useEffect(() => () => previewer.current?.dispose(), []);
  useEffect(() => previewer.current?.update(form.cron, form.timezone), [form.cron, form.timezone]);

  const set = <K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: value }));
  };
  const setKeep = (key: keyof ScheduleForm['retention'], value: string | boolean) => {
    setSaved(false);
    setForm((f) => ({ ...f, retention: { ...f.retention, [key]: value } }));
  };
  const toggleGroup = (gid: string, on: boolean) => {
    set('source_group_ids', on ? [...form.source_group_ids, gid] : form.source_group_ids.filter((x) => x !== gid));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const built = scheduleBody(form, original, perms.hooks);
    if (!built.ok) {
      setInvalid({ field: built.field, message: built.message });
      return;
    }
    setInvalid(null);
    const result = await save.run(() => {
      if (!original) return api.post<Schedule>('/schedules', { host_id: hostId, ...built.body });
      if (Object.keys(built.body).length === 0) return Promise.resolve(original);
      return api.patch<Schedule>(`/schedules/${original.id}`, built.body);
    });
    if (result) {
      setSaved(true);
      onSaved(result);
    }
  };

  const runNow = async () => {
    if (!original) return;
    const res = await run.run(() => api.post<{ jobs: Job[] }>(`/schedules/${original.id}/run`));
    const first = res?.jobs[0];
    if (first) navigate(`/jobs/${first.id}`);
  };

  const del = async () => {
    if (!original) return;
    const ok = await remove.run(async () => {
      await api.del(`/schedules/${original.id}`);
      return true;
    });
    if (ok) navigate(`/hosts/${hostId}`);
  };

  const fieldError = (field: string) => (invalid && invalid.field === field ? invalid.message : null);
  const serverField = (save.error as { field?: string } | null)?.field ?? null;
  const target = previewErrorTarget(preview);
  const previewMessage = preview.status === 'error' ? preview.message : null;
  const cronError = target === 'cron' ? previewMessage : serverField === 'cron' ? (save.error as Error).message : null;
  const tzError = target === 'tz' ? previewMessage : serverField === 'timezone' ? (save.error as Error).message : null;
  // Without a live preview, the stored schedule's own next fires still apply while cron and zone are unchanged.
  const fallbackFires =
    target === 'unavailable' && original && original.cron === form.cron.trim() && original.timezone === form.timezone
      ? original.next_fires
      : [];
  const hostName = host.data?.name ?? '';

  return (
    <section>
      <header class="page-head">
        <h1>{original ? original.name : 'New schedule'}</h1>
        {original && perms.mutate && (
          <div class="actions">
            <button type="button" class="btn btn-primary" disabled={run.pending} onClick={() => void runNow()}>
              Run now
            </button>
            <ConfirmButton label="Delete" onConfirm={() => void del()} />
          </div>
        )}
      </header>
      <p class="muted">
        Host: <Link href={`/hosts/${hostId}`}>{hostName || hostId}</Link>
        {original && ` · version v${original.schedule_version}`}
      </p>
      <ErrorNote error={run.error ?? remove.error} />
      <form class="card form" onSubmit={submit} noValidate>
        <fieldset disabled={!perms.mutate} class="plain-fieldset">
          <legend class="sr-only">Schedule</legend>
          <div class="grid-2">
            <Field label="Name" error={fieldError('name')}>
              <input value={form.name} onInput={(e) => set('name', e.currentTarget.value)} required />
            </Field>
            <label class="field">
              <span>Kind</span>
              <select value={form.kind} onChange={(e) => set('kind', e.currentTarget.value as ScheduleKind)}>
                <Options values={kKinds} />
              </select>
            </label>
          </div>
          <div class="grid-2">
            <div>
              <label class="field">
                <span>Cron expression</span>
                <input
                  class="mono"
                  value={form.cron}
                  onInput={(e) => set('cron', e.currentTarget.value)}
                  spellcheck={false}
                  aria-describedby="cron-help"
                  aria-invalid={cronError ? true : undefined}
                />
              </label>
              <small id="cron-help" class="muted">
                minute hour day-of-month month day-of-week, e.g. <code>0 3 * * *</code> for 03:00 daily.
              </small>
              <div class="cron-error-slot">
                {cronError && (
                  <p class="field-error" role="alert" data-testid="cron-error">
                    {cronError}
                  </p>
                )}
              </div>
            </div>
            <Field label="Timezone" error={tzError}>
              <input
                list="tz-list"
                value={form.timezone}
                onInput={(e) => set('timezone', e.currentTarget.value)}
                spellcheck={false}
                aria-invalid={tzError ? true : undefined}
              />
              <datalist id="tz-list">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </Field>
          </div>
          <div class="preview" aria-live="polite">
            <span class="preview-title">Next runs{preview.status === 'loading' ? ' (updating…)' : ''}</span>
            <ol data-testid="cron-preview">
              {preview.status === 'ok' && preview.next.map((t) => <li key={t}>{formatZoned(t)}</li>)}
              {fallbackFires.map((t) => (
                <li key={t}>{formatZoned(t)}</li>
              ))}
            </ol>
            {target === 'unavailable' && <span class="muted small">Live preview unavailable: {previewMessage}</span>}
            {preview.status === 'ok' && preview.next.length === 0 && <span class="muted">never fires</span>}
          </div>

          <Field label="Repository" error={fieldError('repository_id')}>
            <select value={form.repository_id} onChange={(e) => set('repository_id', e.currentTarget.value)}>
              {(repos.data ?? []).length === 0 && <option value="">no repositories</option>}
              {repos.data?.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </Field>

          {form.kind === 'drill' && (
            <fieldset class="group">
              <legend>Restore drill</legend>
              <p class="muted small">
                Restores a random sample of the latest snapshot of each group into a scratch directory on the host
                and compares it with what restic recorded and with live files unchanged since.
              </p>
              <div class="grid-2">
                <Field label="Files sampled" error={fieldError('options.drill.sample_files')}>
                  <input
                    type="number"
                    min={1}
                    max={1000}
                    inputMode="numeric"
                    value={form.drill_sample_files}
                    onInput={(e) => set('drill_sample_files', e.currentTarget.value)}
                  />
                </Field>
                <Field label="Most data restored (MiB)" error={fieldError('options.drill.max_bytes')}>
                  <input
                    type="number"
                    min={1}
                    inputMode="numeric"
                    value={form.drill_max_mib}
                    onInput={(e) => set('drill_max_mib', e.currentTarget.value)}
                  />
                </Field>
              </div>
            </fieldset>
          )}

          {kindUsesGroups(form.kind) && (
            <fieldset class="group">
              <legend>Source groups</legend>
              {groups.data && groups.data.length === 0 && (
                <p class="muted">
                  This host has no source groups yet. <Link href={`/hosts/${hostId}`}>Add one on the host page.</Link>
                </p>
              )}
              {groups.data?.map((g) => (
                <div class="check-row" key={g.id}>
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={form.source_group_ids.includes(g.id)}
                      onChange={(e) => toggleGroup(g.id, e.currentTarget.checked)}
                    />
                    <span>{g.name}</span>
                  </label>
                  <span class="muted small">{g.paths.join(', ')}</span>
                </div>
              ))}
              {fieldError('source_group_ids') && <small class="field-error">{fieldError('source_group_ids')}</small>}
            </fieldset>
          )}

          {form.kind === 'forget' && (
            <fieldset class="group">
              <legend>Retention</legend>
              <div class="grid-4">
                {kKeepCounts.map((k) => (
                  <label class="field" key={k}>
                    <span>{kKeepLabels[k]}</span>
                    <input
                      type="number"
                      min={0}
                      inputMode="numeric"
                      value={form.retention[k]}
                      onInput={(e) => setKeep(k, e.currentTarget.value)}
                    />
                  </label>
                ))}
                <label class="field">
                  <span>Keep within</span>
                  <input
                    value={form.retention.keep_within}
                    placeholder="30d"
                    onInput={(e) => setKeep('keep_within', e.currentTarget.value)}
                  />
                </label>
                <label class="field">
                  <span>Keep tags</span>
                  <input
                    value={form.retention.keep_tags}
                    placeholder="comma separated"
                    onInput={(e) => setKeep('keep_tags', e.currentTarget.value)}
                  />
                </label>
              </div>
              <label class="check">
                <input type="checkbox" checked={form.retention.prune} onChange={(e) => setKeep('prune', e.currentTarget.checked)} />
                <span>Prune</span>
              </label>
              {invalid?.field.startsWith('retention.') && <small class="field-error">{invalid.message}</small>}
            </fieldset>
          )}

          {perms.hooks ? (
            <fieldset class="group">
              <legend>Hooks (run on the host as the agent's user)</legend>
              <div class="grid-2">
                <label class="field">
                  <span>Pre hook</span>
                  <input class="mono" value={form.pre_hook} onInput={(e) => set('pre_hook', e.currentTarget.value)} spellcheck={false} />
                </label>
                <label class="field">
                  <span>Post hook</span>
                  <input class="mono" value={form.post_hook} onInput={(e) => set('post_hook', e.currentTarget.value)} spellcheck={false} />
                </label>
              </div>
              <label class="field field-narrow">
                <span>Hook timeout (seconds)</span>
                <input
                  type="number"
                  min={1}
                  max={86400}
                  value={form.hook_timeout_seconds}
                  onInput={(e) => set('hook_timeout_seconds', e.currentTarget.value)}
                />
              </label>
              {fieldError('hook_timeout_seconds') && <small class="field-error">{fieldError('hook_timeout_seconds')}</small>}
            </fieldset>
          ) : (
            original &&
            (original.pre_hook || original.post_hook) && (
              <p class="muted">This schedule has hooks; only admins can see or change them.</p>
            )
          )}

          <div class="grid-2">
            <Field label="Jitter (seconds)" narrow error={fieldError('jitter_seconds')}>
              <input
                type="number"
                min={0}
                max={86400}
                value={form.jitter_seconds}
                onInput={(e) => set('jitter_seconds', e.currentTarget.value)}
              />
            </Field>
            <Field
              label="Max runtime (seconds)"
              narrow
              help="0: the agent's default (backup 24 h, forget/prune/check 12 h)"
              helpId="max-runtime-help"
              error={fieldError('max_runtime_seconds')}
            >
              <input
                aria-describedby="max-runtime-help"
                type="number"
                min={0}
                max={MAX_RUNTIME_LIMIT}
                value={form.max_runtime_seconds}
                onInput={(e) => set('max_runtime_seconds', e.currentTarget.value)}
              />
            </Field>
            <label class="check check-top">
              <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
              <span>Enabled</span>
            </label>
          </div>
        </fieldset>
        {serverField !== 'cron' && serverField !== 'timezone' && <ErrorNote error={save.error} />}
        {perms.mutate && (
          <div class="actions">
            <button type="submit" class="btn btn-primary" disabled={save.pending}>
              Save
            </button>
            {saved && <span class="ok-note">Saved.</span>}
          </div>
        )}
      </form>
      {original && original.next_fires.length > 0 && (
        <p class="muted">Server-computed next runs: {original.next_fires.map(formatZoned).join(' · ')}</p>
      )}
      {original && (
        <section class="section" aria-labelledby="windows-heading">
          <h2 id="windows-heading">Last windows</h2>
          <p class="muted">
            Every slot of this schedule, per source group: ✓ ran, ! partial, ✗ failed, – missed (hover or focus a mark for
            the reason), … in progress, · due.
          </p>
          <ScheduleWindows
            scheduleId={original.id}
            limit={30}
            groupName={(gid) => groups.data?.find((g) => g.id === gid)?.name ?? gid}
          />
        </section>
      )}
    </section>
  );
}
