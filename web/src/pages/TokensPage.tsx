import { useState } from 'preact/hooks';
import type { ApiToken, Page, User } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, usePaged, useTitle } from '../app/hooks';
import { Badge, ConfirmButton, CopyButton, ErrorNote, PagedList, TableHead } from '../components/ui';
import { formatTime } from '../lib/format';

const kExpiry: { label: string; seconds: number | null }[] = [
  { label: 'never', seconds: null },
  { label: '30 days', seconds: 30 * 86400 },
  { label: '90 days', seconds: 90 * 86400 },
  { label: '1 year', seconds: 365 * 86400 },
];

function tokenState(t: ApiToken, now: number): { tone: 'ok' | 'muted' | 'bad'; label: string } {
  if (t.revoked_at) return { tone: 'muted', label: 'revoked' };
  if (t.expires_at && Date.parse(t.expires_at) <= now) return { tone: 'bad', label: 'expired' };
  return { tone: 'ok', label: 'active' };
}

export function TokensPage() {
  useTitle('API tokens');
  const perms = usePermissions();
  const [all, setAll] = useState(false);
  const list = usePaged<ApiToken>(
    (cursor, signal) => api.get<Page<ApiToken>>('/tokens', { all: all ? 'true' : null, cursor, limit: 100 }, signal),
    [all],
  );
  const users = useAsync(() => (perms.users ? api.getAll<User>('/users') : Promise.resolve([])), [perms.users]);
  const userName = (id: string) => users.data?.find((u) => u.id === id)?.username ?? id.slice(0, 8);
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState(0);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAction();
  const revoke = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const seconds = kExpiry[expiry]?.seconds ?? null;
    const made = await create.run(() =>
      api.post<ApiToken>('/tokens', seconds ? { name: name.trim(), expires_in_seconds: seconds } : { name: name.trim() }),
    );
    if (made?.token) {
      setSecret(made.token);
      setName('');
      list.reload();
    }
  };
  const doRevoke = async (t: ApiToken) => {
    const ok = await revoke.run(async () => {
      await api.del(`/tokens/${t.id}`);
      return true;
    });
    if (ok) list.reload();
  };
  const now = Date.now();

  return (
    <section>
      <header class="page-head">
        <h1>API tokens</h1>
      </header>
      <p class="muted">
        Tokens authenticate scripts and the CLI with <code>Authorization: Bearer rmt_…</code> and act with your role.
      </p>
      {perms.ownTokens && (
        <form class="card panel" onSubmit={submit} aria-label="Create token">
          <div class="form-row">
            <label class="field">
              <span>Token name</span>
              <input value={name} onInput={(e) => setName(e.currentTarget.value)} required placeholder="ci-backup-check" />
            </label>
            <label class="field">
              <span>Expires</span>
              <select value={String(expiry)} onChange={(e) => setExpiry(Number(e.currentTarget.value))}>
                {kExpiry.map((x, i) => (
                  <option key={x.label} value={String(i)}>
                    {x.label}
                  </option>
                ))}
              </select>
            </label>
            <div class="actions">
              <button type="submit" class="btn btn-primary" disabled={create.pending}>
                Create token
              </button>
            </div>
          </div>
          <ErrorNote error={create.error} />
          {secret && (
            <div class="secret" role="status">
              <p>
                <strong>Copy this token now.</strong> It is shown only once.
              </p>
              <div class="command">
                <code data-testid="new-token">{secret}</code>
                <CopyButton text={secret} />
              </div>
              <button type="button" class="btn btn-small" onClick={() => setSecret(null)}>
                I have copied it
              </button>
            </div>
          )}
        </form>
      )}
      {perms.users && (
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
          <span>Show every user's tokens</span>
        </label>
      )}
      <PagedList list={list} error={list.error ?? revoke.error} empty="No tokens.">
        {(items) => (
          <table class="table">
            <TableHead columns={['Name', all && 'User', 'Status', 'Created', 'Expires', 'Last used', 'Actions']} />
            <tbody>
              {items.map((t) => {
                const st = tokenState(t, now);
                return (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    {all && <td>{userName(t.user_id)}</td>}
                    <td>
                      <Badge tone={st.tone}>{st.label}</Badge>
                    </td>
                    <td>{formatTime(t.created_at)}</td>
                    <td>{t.expires_at ? formatTime(t.expires_at) : 'never'}</td>
                    <td>{formatTime(t.last_used_at)}</td>
                    <td>
                      {!t.revoked_at && (
                        <ConfirmButton label="Revoke" ariaLabel={`Revoke ${t.name}`} onConfirm={() => void doRevoke(t)} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </PagedList>
    </section>
  );
}
