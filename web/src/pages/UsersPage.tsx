import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { getAccountSettings, listUserSessions, putAccountSettings, resetUserTotp, revokeUserSession } from '../api/account';
import type { Role, User } from '../api/types';
import { api, usePermissions, useUser } from '../app/context';
import { deleteWith, useAction, useAsync, useTitle } from '../app/hooks';
import { Badge, ConfirmButton, ErrorNote, FormActions, Loading, Options, TableHead } from '../components/ui';
import { formatTime } from '../lib/format';

const kRoles: Role[] = ['viewer', 'operator', 'admin'];

export function UsersPage() {
  useTitle('Users');
  const perms = usePermissions();
  const me = useUser();
  const users = useAsync(() => (perms.users ? api.getAll<User>('/users') : Promise.resolve([])), [perms.users]);
  const [adding, setAdding] = useState(false);
  const action = useAction();

  if (!perms.users) {
    return (
      <section>
        <h1>Users</h1>
        <p>Only admins can manage users.</p>
      </section>
    );
  }

  const patch = async (u: User, body: Partial<{ role: Role; disabled: boolean; password: string }>) => {
    const updated = await action.run(() => api.patch<User>(`/users/${u.id}`, body));
    if (updated) users.setData((list) => (list ?? []).map((x) => (x.id === u.id ? updated : x)));
    return Boolean(updated);
  };
  const remove = async (u: User) => {
    if (await deleteWith(action, `/users/${u.id}`)) users.reload();
  };
  const resetTotp = async (u: User) => {
    const ok = await action.run(async () => {
      await resetUserTotp(api, u.id);
      return true;
    });
    if (ok) users.reload();
  };
  const [sessionsOf, setSessionsOf] = useState<string | null>(null);

  return (
    <section>
      <header class="page-head">
        <h1>Users</h1>
        {!adding && (
          <button type="button" class="btn btn-primary" onClick={() => setAdding(true)}>
            Add user
          </button>
        )}
      </header>
      {adding && (
        <AddUser
          onDone={() => {
            setAdding(false);
            users.reload();
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      <RequireTotp />
      <ErrorNote error={users.error ?? action.error} />
      {!users.data ? (
        <Loading />
      ) : (
        <table class="table">
          <TableHead columns={['Username', 'Role', 'Status', 'Two-factor', 'Created', 'Actions']} />
          <tbody>
            {users.data.map((u) => (
              <Fragment key={u.id}>
              <tr>
                <td>
                  {u.username}
                  {me?.id === u.id && <span class="muted"> (you)</span>}
                </td>
                <td>
                  {adding ? (
                    u.role
                  ) : (
                    <select
                      aria-label={`Role of ${u.username}`}
                      value={u.role}
                      disabled={action.pending}
                      onChange={(e) => void patch(u, { role: e.currentTarget.value as Role })}
                    >
                      <Options values={kRoles} />
                    </select>
                  )}
                </td>
                <td>{u.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="ok">active</Badge>}</td>
                <td>{u.totp_enabled ? <Badge tone="ok">on</Badge> : <Badge tone="muted">off</Badge>}</td>
                <td>{formatTime(u.created_at)}</td>
                <td class="nowrap">
                  {/* One form at a time: while adding a user the row controls step aside. */}
                  {!adding && (
                    <>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
                        disabled={action.pending}
                        onClick={() => void patch(u, { disabled: !u.disabled })}
                      >
                        {u.disabled ? 'Enable' : 'Disable'}
                      </button>{' '}
                      <ResetPassword user={u} onSubmit={(password) => patch(u, { password })} />{' '}
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-expanded={sessionsOf === u.id}
                        aria-label={`Sessions of ${u.username}`}
                        onClick={() => setSessionsOf(sessionsOf === u.id ? null : u.id)}
                      >
                        Sessions
                      </button>{' '}
                      {u.totp_enabled && (
                        <ConfirmButton
                          label="Reset two-factor"
                          ariaLabel={`Reset two-factor of ${u.username}`}
                          onConfirm={() => void resetTotp(u)}
                        />
                      )}{' '}
                      {me?.id !== u.id && (
                        <ConfirmButton label="Delete" ariaLabel={`Delete ${u.username}`} onConfirm={() => void remove(u)} />
                      )}
                    </>
                  )}
                </td>
              </tr>
              {sessionsOf === u.id && (
                <tr>
                  <td colSpan={6}>
                    <UserSessions user={u} />
                  </td>
                </tr>
              )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ResetPassword({ user, onSubmit }: { user: User; onSubmit: (password: string) => Promise<boolean> }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  if (!open) {
    return (
      <button type="button" class="btn btn-small" aria-label={`Reset password of ${user.username}`} onClick={() => setOpen(true)}>
        {done ? 'Password set' : 'Reset password'}
      </button>
    );
  }
  return (
    <form
      class="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onSubmit(password)) {
          setOpen(false);
          setPassword('');
          setDone(true);
        }
      }}
    >
      <label class="field field-inline">
        <span class="sr-only">New password for {user.username}</span>
        <input
          type="password"
          autoComplete="new-password"
          minLength={8}
          placeholder="new password (8+)"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
          autoFocus
        />
      </label>
      <button type="submit" class="btn btn-small btn-primary">
        Set password
      </button>
      <button type="button" class="btn btn-small" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

function AddUser({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const made = await action.run(() => api.post<User>('/users', { username: username.trim(), password, role }));
    if (made) onDone();
  };
  return (
    <form class="card panel" onSubmit={submit} aria-label="Add user">
      <h2>New user</h2>
      <div class="grid-3">
        <label class="field">
          <span>Username</span>
          <input value={username} onInput={(e) => setUsername(e.currentTarget.value)} required autoFocus autoComplete="off" />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
            minLength={8}
          />
        </label>
        <label class="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <Options values={kRoles} />
          </select>
        </label>
      </div>
      <FormActions submitLabel="Create user" pending={action.pending} onCancel={onCancel} error={action.error} />
    </form>
  );
}

/** The admins' switch: every user must set up TOTP before anything else works. */
function RequireTotp() {
  const settings = useAsync((signal) => getAccountSettings(api, signal), []);
  const save = useAction();
  const toggle = async (on: boolean) => {
    const stored = await save.run(() => putAccountSettings(api, { require_totp: on }));
    if (stored) settings.setData(() => stored);
  };
  if (!settings.data) return <ErrorNote error={settings.error} />;
  return (
    <div class="card panel">
      <label class="check">
        <input
          type="checkbox"
          data-testid="require-totp"
          checked={settings.data.require_totp}
          disabled={save.pending}
          onChange={(e) => void toggle(e.currentTarget.checked)}
        />
        <span>Require two-factor authentication (TOTP) for everyone</span>
      </label>
      <p class="muted">
        Users without it must set it up at their next sign-in before anything else works. Turn it on after setting
        up your own (Account page). API tokens keep working.
      </p>
      <ErrorNote error={save.error} />
    </div>
  );
}

function UserSessions({ user }: { user: User }) {
  const sessions = useAsync((signal) => listUserSessions(api, user.id, signal), [user.id]);
  const revoke = useAction();
  const doRevoke = async (id: string) => {
    const ok = await revoke.run(async () => {
      await revokeUserSession(api, user.id, id);
      return true;
    });
    if (ok) sessions.reload();
  };
  if (!sessions.data) return sessions.error ? <ErrorNote error={sessions.error} /> : <Loading what="Loading sessions" />;
  if (sessions.data.items.length === 0) return <p class="muted">No live sessions.</p>;
  return (
    <div>
      <ErrorNote error={revoke.error} />
      <table class="table">
        <TableHead columns={['Signed in', 'Last used', 'Address', 'Browser', 'Actions']} />
        <tbody>
          {sessions.data.items.map((s) => (
            <tr key={s.id}>
              <td>{formatTime(s.created_at)}</td>
              <td>{formatTime(s.last_used_at)}</td>
              <td>{s.client_address}</td>
              <td class="wrap">{s.user_agent || '—'}</td>
              <td>
                <ConfirmButton
                  label="Revoke"
                  ariaLabel={`Revoke ${user.username}'s session from ${s.client_address}`}
                  onConfirm={() => void doRevoke(s.id)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
