// Small presentational pieces used across pages.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
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
