import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { listAlertRules, putAlertRule } from '../api/alerts';
import type { AlertRule } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, useTitle } from '../app/hooks';
import { Link } from '../app/navigation';
import { ErrorNote, Field, Loading } from '../components/ui';
import {
  alertKindLabel,
  differsFromDefault,
  kAlertKindHelp,
  paramFields,
  paramForm,
  paramOfErrorField,
  parseParamForm,
  type ParamField,
  type ParamForm,
} from '../lib/alerts';
import { formatTime } from '../lib/format';

export function AlertRulesPage() {
  useTitle('Alert rules');
  const perms = usePermissions();
  const rules = useAsync((signal) => listAlertRules(api, signal), []);
  return (
    <section>
      <header class="page-head">
        <h1>Alert rules</h1>
        <Link href="/alerts" class="btn">
          Alerts
        </Link>
      </header>
      {!perms.editAlertRules && <p class="muted">Only admins change the rules; this is what they are set to.</p>}
      <ErrorNote error={rules.error} />
      {!rules.data ? (
        rules.error ? null : <Loading />
      ) : (
        rules.data.items.map((r) => (
          <RuleCard
            key={r.kind}
            rule={r}
            canEdit={perms.editAlertRules}
            onSaved={(saved) =>
              rules.setData((prev) => ({ items: (prev?.items ?? []).map((x) => (x.kind === saved.kind ? saved : x)) }))
            }
          />
        ))
      )}
    </section>
  );
}

function RuleCard({ rule, canEdit, onSaved }: { rule: AlertRule; canEdit: boolean; onSaved: (rule: AlertRule) => void }) {
  const [enabled, setEnabled] = useState(rule.enabled);
  const [form, setForm] = useState<ParamForm>(() => paramForm(rule));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const fields = paramFields(rule);
  const label = alertKindLabel(rule.kind);
  const headingId = `rule-${rule.kind}`;

  const set = (key: string, value: string | boolean) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => {
      const { [key]: _gone, ...rest } = e;
      return rest;
    });
    setSaved(false);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const parsed = parseParamForm(rule, form);
    setErrors(parsed.errors);
    if (Object.keys(parsed.errors).length > 0) return;
    action.clear();
    const updated = await action.run(async () => {
      try {
        return await putAlertRule(api, rule.kind, { enabled, params: parsed.params });
      } catch (err) {
        // A parameter the server refuses is shown at its field.
        const key = err instanceof ApiError ? paramOfErrorField(err.field) : null;
        if (key && fields.some((f) => f.key === key)) {
          setErrors({ [key]: err instanceof Error ? err.message : String(err) });
          return undefined;
        }
        throw err;
      }
    });
    if (!updated) return;
    setEnabled(updated.enabled);
    setForm(paramForm(updated));
    setSaved(true);
    onSaved(updated);
  };

  return (
    <section class="card rule-card" aria-labelledby={headingId} data-testid={`rule-${rule.kind}`}>
      <header class="section-head">
        <h2 id={headingId}>{label}</h2>
        <span class="muted small">{rule.updated_at ? `changed ${formatTime(rule.updated_at)}` : 'defaults'}</span>
      </header>
      <p class="muted">{kAlertKindHelp[rule.kind]}</p>
      <form onSubmit={save}>
        <fieldset class="plain-fieldset" disabled={!canEdit}>
          <legend class="sr-only">{label} settings</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => {
                setEnabled(e.currentTarget.checked);
                setSaved(false);
              }}
            />
            <span>Enabled</span>
          </label>
          <div class="rule-fields">
            {fields.map((f) => (
              <ParamInput
                key={f.key}
                rule={rule}
                field={f}
                value={form[f.key]}
                error={errors[f.key]}
                onChange={(v) => set(f.key, v)}
              />
            ))}
          </div>
        </fieldset>
        {canEdit && (
          <>
            <ErrorNote error={action.error} />
            <div class="actions">
              <button type="submit" class="btn btn-primary" disabled={action.pending} aria-label={`Save ${label}`}>
                Save
              </button>
              {saved && (
                <span class="muted" role="status">
                  Saved.
                </span>
              )}
            </div>
          </>
        )}
      </form>
    </section>
  );
}

function ParamInput({
  rule,
  field,
  value,
  error,
  onChange,
}: {
  rule: AlertRule;
  field: ParamField;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange: (value: string | boolean) => void;
}) {
  const helpId = `help-${rule.kind}-${field.key}`;
  const defaultText =
    field.defaultValue === undefined
      ? ''
      : typeof field.defaultValue === 'boolean'
        ? field.defaultValue
          ? 'on'
          : 'off'
        : field.defaultValue === ''
          ? 'empty'
          : String(field.defaultValue);
  const help = (
    <>
      {field.help ? `${field.help} ` : ''}
      Default: {defaultText}
      {differsFromDefault(field, value) ? ' (changed)' : ''}
    </>
  );
  if (field.type === 'boolean') {
    return (
      <div class="field-box">
        <label class="check">
          <input
            type="checkbox"
            checked={value === true}
            aria-describedby={helpId}
            onChange={(e) => onChange(e.currentTarget.checked)}
          />
          <span>{field.label}</span>
        </label>
        <small id={helpId} class="muted rule-default">
          {help}
        </small>
        {error && (
          <small class="field-error" role="alert">
            {error}
          </small>
        )}
      </div>
    );
  }
  return (
    <Field label={field.label} help={help} helpId={helpId} error={error} narrow>
      {field.type === 'severity' ? (
        <select value={String(value ?? '')} aria-describedby={helpId} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="warning">warning</option>
          <option value="critical">critical</option>
        </select>
      ) : field.type === 'text' ? (
        <input
          type="text"
          value={String(value ?? '')}
          aria-describedby={helpId}
          aria-invalid={error ? true : undefined}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      ) : (
        <input
          type="number"
          step={field.type === 'decimal' ? 'any' : '1'}
          value={String(value ?? '')}
          aria-describedby={helpId}
          aria-invalid={error ? true : undefined}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}
