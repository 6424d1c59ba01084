// A host's labels: chips for everyone, an inline editor for operators. The
// whole set is written at once (PATCH /hosts/{id} {labels}), as the API keeps it.

import { useState } from 'preact/hooks';
import type { Host } from '../api/types';
import { api } from '../app/context';
import { useAction } from '../app/hooks';
import { Badge, ErrorNote } from './ui';
import { formatLabels, parseLabels, sameLabels, type Labels } from '../lib/labels';

export function LabelChips({ labels }: { labels: Labels }) {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return <span class="muted">none</span>;
  return (
    <span class="label-chips" data-testid="host-labels">
      {keys.map((k) => (
        <Badge key={k} tone="info">
          {k}={labels[k]}
        </Badge>
      ))}
    </span>
  );
}

export function HostLabelsField({ host, canEdit, onChange }: { host: Host; canEdit: boolean; onChange: (h: Host) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const action = useAction();
  if (!canEdit || draft === null) {
    return (
      <span>
        <LabelChips labels={host.labels} />{' '}
        {canEdit && (
          <button type="button" class="link-button" onClick={() => setDraft(formatLabels(host.labels))}>
            Edit labels
          </button>
        )}
      </span>
    );
  }
  const parsed = parseLabels(draft);
  const save = async (e: Event) => {
    e.preventDefault();
    if ('error' in parsed) return;
    if (sameLabels(parsed.labels, host.labels)) {
      setDraft(null);
      return;
    }
    const updated = await action.run(() => api.patch<Host>(`/hosts/${host.id}`, { labels: parsed.labels }));
    if (updated) {
      onChange(updated);
      setDraft(null);
    }
  };
  return (
    <form class="inline-form" onSubmit={(e) => void save(e)}>
      <input
        value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        placeholder="role=laptop, site=berlin"
        aria-label="Labels"
        aria-invalid={'error' in parsed}
      />
      <button type="submit" disabled={action.pending || 'error' in parsed}>
        Save
      </button>
      <button type="button" onClick={() => setDraft(null)}>
        Cancel
      </button>
      {'error' in parsed && <p class="error-note">{parsed.error}</p>}
      <ErrorNote error={action.error} />
    </form>
  );
}
