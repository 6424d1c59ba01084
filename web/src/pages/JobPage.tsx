import { useEffect, useRef, useState } from 'preact/hooks';
import type { Host, Job, JobProgress, LogLine, LogPage, Repository, Schedule, SourceGroup } from '../api/types';
import { isTerminal } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, useEvent, useEventsOpen, useInterval, useReconnect, useTitle } from '../app/hooks';
import { Link, navigate } from '../app/navigation';
import { Details, ErrorNote, Loading, ProgressBar, StatusBadge } from '../components/ui';
import { formatBytes, formatCount, formatDuration, formatEta, formatTime, percent } from '../lib/format';
import { displayProgress, jobDuration, mergeLogLines, runAgainRequest } from '../lib/jobs';
import { summaryRows } from '../lib/drills';

interface ProgressEvent {
  job_id: string;
  host_id: string;
  progress: Partial<JobProgress>;
}

interface LogEvent {
  job_id: string;
  lines: LogLine[];
}

/** Reads every log line after `afterSeq` (pages of 500). */
async function fetchLogs(id: string, afterSeq: number): Promise<LogLine[]> {
  const out: LogLine[] = [];
  let after = afterSeq;
  for (let i = 0; i < 40; i++) {
    const page = await api.get<LogPage>(`/jobs/${id}/logs`, { after_seq: after, limit: 500 });
    out.push(...page.items);
    if (page.items.length < 500 || page.next_after_seq === after) break;
    after = page.next_after_seq;
  }
  return out;
}

export function JobPage({ id }: { id: string }) {
  const perms = usePermissions();
  const job = useAsync((signal) => api.get<Job>(`/jobs/${id}`, undefined, signal), [id]);
  const [live, setLive] = useState<Partial<JobProgress> | null>(null);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [logError, setLogError] = useState<unknown>(null);
  const linesRef = useRef<LogLine[]>([]);
  linesRef.current = lines;
  const eventsOpen = useEventsOpen();
  const cancel = useAction();
  const again = useAction();
  useTitle(job.data ? `Job ${job.data.kind}` : 'Job');

  const catchUpLogs = async () => {
    const last = linesRef.current.length ? linesRef.current[linesRef.current.length - 1]!.seq : -1;
    try {
      const more = await fetchLogs(id, last);
      setLines((cur) => mergeLogLines(cur, more));
      setLogError(null);
    } catch (err) {
      setLogError(err);
    }
  };

  useEffect(() => {
    void catchUpLogs();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  useEvent<Job>('job', (j) => {
    if (j.id !== id) return;
    job.setData(j);
    if (isTerminal(j.status)) void catchUpLogs();
  });
  useEvent<ProgressEvent>('job.progress', (e) => {
    if (e.job_id === id) setLive(e.progress);
  });
  useEvent<LogEvent>('job.log', (e) => {
    if (e.job_id === id) setLines((cur) => mergeLogLines(cur, e.lines));
  });
  useReconnect(() => {
    job.reload();
    void catchUpLogs();
  });

  const finished = job.data ? isTerminal(job.data.status) : false;
  // Without the live stream, poll while the job is active.
  useInterval(
    () => {
      job.reload();
      void catchUpLogs();
    },
    3000,
    Boolean(job.data) && !finished && !eventsOpen,
  );

  const context = useAsync(async () => {
    const j = job.data;
    if (!j) return null;
    const [host, repo, group, schedule] = await Promise.all([
      api.get<Host>(`/hosts/${j.host_id}`).catch(() => null),
      j.repository_id ? api.get<Repository>(`/repositories/${j.repository_id}`).catch(() => null) : null,
      j.source_group_id ? api.get<SourceGroup>(`/source-groups/${j.source_group_id}`).catch(() => null) : null,
      j.schedule_id ? api.get<Schedule>(`/schedules/${j.schedule_id}`).catch(() => null) : null,
    ]);
    return { host, repo, group, schedule };
  }, [job.data?.id]);

  if (job.error && !job.data) {
    return (
      <section>
        <h1>Job</h1>
        <ErrorNote error={job.error} />
      </section>
    );
  }
  if (!job.data) return <Loading />;
  const j = job.data;
  const progress = displayProgress(j, finished ? null : live);
  const pct = percent(progress.percent_done);
  const ctx = context.data;

  const doCancel = async () => {
    const updated = await cancel.run(() => api.post<Job>(`/jobs/${j.id}/cancel`));
    if (updated) job.setData(updated);
  };
  const plan = runAgainRequest(j);
  const doAgain = async () => {
    const created = await again.run(async () => {
      if (plan.kind === 'post_job') return api.post<Job>('/jobs', plan.body);
      if (plan.kind === 'run_schedule') {
        const res = await api.post<{ jobs: Job[] }>(`/schedules/${plan.scheduleId}/run`);
        return res.jobs[0];
      }
      throw new Error(plan.reason);
    });
    if (created) navigate(`/jobs/${created.id}`);
  };

  return (
    <section>
      <header class="page-head">
        <h1>
          Job {j.kind}
          {ctx?.group ? ` · ${ctx.group.name}` : ''}
        </h1>
        <StatusBadge status={j.status} testId="job-status" />
        {perms.mutate && (
          <div class="actions">
            {!finished && (
              <button type="button" class="btn btn-danger" disabled={cancel.pending} onClick={() => void doCancel()}>
                Cancel
              </button>
            )}
            <button
              type="button"
              class="btn"
              disabled={again.pending || plan.kind === 'unavailable'}
              title={plan.kind === 'unavailable' ? plan.reason : undefined}
              onClick={() => void doAgain()}
            >
              Run again
            </button>
          </div>
        )}
      </header>
      <ErrorNote error={cancel.error ?? again.error} />

      <div class="card">
        <ProgressBar value={pct} label="Job progress" />
        <div class="progress-stats">
          <span>
            <strong>{pct}%</strong>
          </span>
          <span>
            {formatBytes(progress.bytes_done ?? 0)} of {formatBytes(progress.total_bytes ?? 0)}
          </span>
          <span>
            {formatCount(progress.files_done ?? 0)} of {formatCount(progress.total_files ?? 0)} files
          </span>
          <span>elapsed {formatDuration(progress.seconds_elapsed ?? jobDuration(j))}</span>
          {!finished && <span>ETA {formatEta(progress.seconds_remaining, progress.percent_done)}</span>}
          {(progress.error_count ?? 0) > 0 && <span class="bad-text">{progress.error_count} unreadable</span>}
        </div>
        {!finished && progress.current_files && progress.current_files.length > 0 && (
          <p class="current-file">
            <span class="muted">Current: </span>
            <code>{progress.current_files[0]}</code>
            {progress.current_files.length > 1 && <span class="muted"> (+{progress.current_files.length - 1} more)</span>}
          </p>
        )}
      </div>

      <div class="grid-2 align-start">
        <div class="card">
          <h2>Details</h2>
          <Details
            rows={[
              ['Host', ctx?.host ? <Link href={`/hosts/${j.host_id}`}>{ctx.host.name}</Link> : <Link href={`/hosts/${j.host_id}`}>{j.host_id}</Link>],
              ['Repository', ctx?.repo?.name ?? j.repository_id ?? '—'],
              ['Source group', ctx?.group?.name ?? j.source_group_id ?? '—'],
              ['Schedule', j.schedule_id ? <Link href={`/schedules/${j.schedule_id}`}>{ctx?.schedule?.name ?? j.schedule_id}</Link> : 'run by hand'],
              ['Started by', `${j.actor_kind}${j.actor_id ? ` (${j.actor_id.slice(0, 8)})` : ''}`],
              ['Scheduled for', formatTime(j.scheduled_at)],
              ['Created', formatTime(j.created_at)],
              ['Started', formatTime(j.started_at)],
              ['Finished', formatTime(j.finished_at)],
              ['Exit code', j.exit_code === null ? '—' : String(j.exit_code)],
            ]}
          />
        </div>
        <div class="card" data-testid="job-summary">
          <h2>Result</h2>
          {!finished && !j.summary && !j.snapshot_id ? (
            <p class="muted">The result appears when the job ends.</p>
          ) : (
            <Details
              rows={[
                ['Status', j.status],
                ['Duration', formatDuration(jobDuration(j))],
                ...summaryRows(j),
                [
                  'Snapshot',
                  j.snapshot_id ? <code class="wrap">{j.snapshot_id}</code> : j.summary?.snapshot_id ? <code class="wrap">{j.summary.snapshot_id}</code> : '—',
                ],
              ]}
            />
          )}
          {j.status === 'queued' && j.wait_reason && (
            <p class="muted" data-testid="wait-reason">
              Queued: {j.wait_reason}.
            </p>
          )}
          {j.error && (
            <div class="error-box" role="alert">
              <strong>Error{j.error_kind ? ` (${j.error_kind})` : ''}:</strong> {j.error}
            </div>
          )}
        </div>
      </div>

      <LogView lines={lines} finished={finished} />
      <ErrorNote error={logError} />
    </section>
  );
}

function LogView({ lines, finished }: { lines: LogLine[]; finished: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  useEffect(() => {
    const el = ref.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);
  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
  };
  return (
    <section class="section">
      <header class="section-head">
        <h2>Log</h2>
        <label class="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          <span>Follow</span>
        </label>
      </header>
      <pre class="log" data-testid="job-log" ref={ref} onScroll={onScroll} tabIndex={0} aria-label="Job log">
        {lines.length === 0
          ? finished
            ? 'No output.'
            : 'Waiting for output…'
          : lines.map((l) => (
              <span key={l.seq} class={`log-line log-${l.stream}`}>
                {l.text}
                {'\n'}
              </span>
            ))}
      </pre>
    </section>
  );
}
