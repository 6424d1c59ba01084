// Small presentational pieces used across pages.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import type { PagedState } from '../app/hooks';
import { statusTone, type BadgeTone } from '../lib/jobs';

export function Badge({ tone, children, testId }: { tone: BadgeTone; children: ComponentChildren; testId?: string }) {
  return (
    <span class={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <Badge tone={statusTone(status)} {...(testId ? { testId } : {})}>
      {status}
    </Badge>
  );
}

export function OnlineBadge({ connected }: { connected: boolean }) {
  return <Badge tone={connected ? 'ok' : 'muted'}>{connected ? 'online' : 'offline'}</Badge>;
}

/** An API error shown inline; renders nothing without an error. */
export function ErrorNote({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  return (
    <p class="error-note" role="alert" data-testid={testId}>
      {errorMessage(error)}
    </p>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="muted" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A progress bar with ARIA values; `value` is 0..100. */
export function ProgressBar({ value, label, testId }: { value: number; label: string; testId?: string }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={v}
      data-testid={testId}
    >
      <div class="progress-fill" style={{ width: `${v}%` }} />
    </div>
  );
}

/** Next/previous page buttons over a cursor stack. */
export function Pager({
  hasPrev,
  hasNext,
  onPrev,
  onNext,
}: {
  hasPrev: boolean;
  hasNext: boolean;
  onPrev: () => void;
  onNext: () => void;
}) {
  if (!hasPrev && !hasNext) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn" disabled={!hasPrev} onClick={onPrev}>
        ← Newer
      </button>
      <button type="button" class="btn" disabled={!hasNext} onClick={onNext}>
        Older →
      </button>
    </nav>
  );
}

/** A delete-style button that asks for a second click before acting. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  ariaLabel,
  disabled,
}: {
  label: string;
  confirmLabel?: string;
  onConfirm: () => void;
  ariaLabel?: string;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="btn btn-danger" aria-label={ariaLabel} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label="Confirm">
      <button
        type="button"
        class="btn btn-danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel ?? `Yes, ${label.toLowerCase()}`}
      </button>
      <button type="button" class="btn" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

/** Copies text to the clipboard, with a fallback note when the API is unavailable. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button type="button" class="btn btn-small" onClick={copy}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : label}
    </button>
  );
}

/** A key/value list for details. */
export function Details({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="details">
      {rows.map(([k, v]) => (
        <div class="details-row" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A form's submit + Cancel row, after the form's inline error (if one is given). */
export function FormActions({
  submitLabel = 'Save',
  pending,
  onCancel,
  error,
}: {
  submitLabel?: string;
  pending: boolean;
  onCancel: () => void;
  error?: unknown;
}) {
  return (
    <>
      {error !== undefined && <ErrorNote error={error} />}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={pending}>
          {submitLabel}
        </button>
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}

/** One <option> per value, labelled with the value itself. */
export function Options({ values }: { values: readonly string[] }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </>
  );
}

/** The "Host" filter of a list toolbar: every host, or "all hosts" (value ""). */
export function HostFilter({
  value,
  hosts,
  onChange,
}: {
  value: string;
  hosts: readonly { id: string; name: string }[];
  onChange: (hostId: string) => void;
}) {
  return (
    <label class="field field-inline">
      <span>Host</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">all hosts</option>
        <HostOptions hosts={hosts} />
      </select>
    </label>
  );
}

/** One <option> per host: its id, labelled with its name. */
export function HostOptions({ hosts }: { hosts: readonly { id: string; name: string }[] }) {
  return (
    <>
      {hosts.map((h) => (
        <option key={h.id} value={h.id}>
          {h.name}
        </option>
      ))}
    </>
  );
}

/** A column header: its text, or a key plus content and class (say a visually hidden "Actions"). */
export type Column = string | { key: string; label: ComponentChildren; class?: string } | false | null | undefined;

/** A table's header row; falsy columns are left out (for columns shown only sometimes). */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          !c ? null : typeof c === 'string' ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" key={c.key} class={c.class}>
              {c.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** The states of one page of a paged list: its error, loading, empty, the rows, then the pager. */
export function PagedList<T>({
  list,
  error,
  empty,
  children,
}: {
  list: PagedState<T>;
  /** Shown instead of the list's own error (say a failed action beside it). */
  error?: unknown;
  empty: ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  return (
    <>
      <ErrorNote error={error ?? list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        children(list.data?.items ?? [])
      )}
      <Pager hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
    </>
  );
}

/**
 * A labelled control whose help and error text sit outside the <label>, so the
 * control's accessible name is exactly `label`; give the control
 * `aria-describedby={helpId}` to tie the help to it.
 */
export function Field({
  label,
  help,
  helpId,
  error,
  narrow,
  children,
}: {
  label: string;
  help?: ComponentChildren;
  helpId?: string;
  error?: string | null | undefined;
  narrow?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="field-box">
      <label class={narrow ? 'field field-narrow' : 'field'}>
        <span>{label}</span>
        {children}
      </label>
      {help && (
        <small id={helpId} class="muted">
          {help}
        </small>
      )}
      {error && (
        <small class="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}
