import { useState } from 'preact/hooks';
import type { AuditEntry, Page } from '../api/types';
import { kActorKinds } from '../api/types';
import { api } from '../app/context';
import { usePaged, useTitle } from '../app/hooks';
import { setQuery, useQuery } from '../app/navigation';
import { Options, PagedList, TableHead } from '../components/ui';
import { formatTime } from '../lib/format';

const kFilters = ['action', 'actor_kind', 'target_kind', 'from', 'to'] as const;
type Filter = (typeof kFilters)[number];

/** datetime-local value ("2026-01-02T03:04") in the browser's zone → RFC 3339 UTC. */
export function localToRfc3339(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/** RFC 3339 → datetime-local value in the browser's zone. */
function rfc3339ToLocal(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function detailText(detail: Record<string, unknown>): string {
  const parts = Object.entries(detail).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.join(' ');
}

export function AuditPage() {
  useTitle('Audit log');
  const query = useQuery();
  const applied: Record<Filter, string> = {
    action: query.get('action') ?? '',
    actor_kind: query.get('actor_kind') ?? '',
    target_kind: query.get('target_kind') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
  const [draft, setDraft] = useState<Record<Filter, string>>({
    ...applied,
    from: rfc3339ToLocal(applied.from),
    to: rfc3339ToLocal(applied.to),
  });
  const list = usePaged<AuditEntry>(
    (cursor, signal) => api.get<Page<AuditEntry>>('/audit', { ...applied, cursor, limit: 50 }, signal),
    [applied.action, applied.actor_kind, applied.target_kind, applied.from, applied.to],
  );

  const apply = (e: Event) => {
    e.preventDefault();
    setQuery({
      action: draft.action.trim(),
      actor_kind: draft.actor_kind,
      target_kind: draft.target_kind.trim(),
      from: localToRfc3339(draft.from),
      to: localToRfc3339(draft.to),
    });
  };
  const set = (k: Filter, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  return (
    <section>
      <header class="page-head">
        <h1>Audit log</h1>
      </header>
      <form class="toolbar wrap" onSubmit={apply} role="search" aria-label="Filter audit log">
        <label class="field field-inline">
          <span>Action</span>
          <input value={draft.action} placeholder="schedule.update" onInput={(e) => set('action', e.currentTarget.value)} />
        </label>
        <label class="field field-inline">
          <span>Actor kind</span>
          <select value={draft.actor_kind} onChange={(e) => set('actor_kind', e.currentTarget.value)}>
            <option value="">any</option>
            <Options values={kActorKinds} />
          </select>
        </label>
        <label class="field field-inline">
          <span>Target kind</span>
          <input value={draft.target_kind} placeholder="host" onInput={(e) => set('target_kind', e.currentTarget.value)} />
        </label>
        <label class="field field-inline">
          <span>From</span>
          <input type="datetime-local" value={draft.from} onInput={(e) => set('from', e.currentTarget.value)} />
        </label>
        <label class="field field-inline">
          <span>To</span>
          <input type="datetime-local" value={draft.to} onInput={(e) => set('to', e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn btn-primary">
          Apply
        </button>
      </form>
      <PagedList list={list} empty="No audit entries match.">
        {(items) => (
          <table class="table">
            <TableHead columns={['Time', 'Action', 'Actor', 'Target', 'Source', 'Detail']} />
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td class="nowrap">{formatTime(a.at)}</td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td>
                    {a.actor_kind}
                    {a.actor_id && <span class="muted mono"> {a.actor_id.slice(0, 12)}</span>}
                  </td>
                  <td>
                    {a.target_kind}
                    {a.target_id && <span class="muted mono"> {a.target_id.slice(0, 12)}</span>}
                  </td>
                  <td class="mono">{a.source_addr}</td>
                  <td class="detail">{detailText(a.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
    </section>
  );
}
