import { useState } from 'preact/hooks';
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
      <ErrorNote error={users.error ?? action.error} />
      {!users.data ? (
        <Loading />
      ) : (
        <table class="table">
          <TableHead columns={['Username', 'Role', 'Status', 'Created', 'Actions']} />
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
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
                      {me?.id !== u.id && (
                        <ConfirmButton label="Delete" ariaLabel={`Delete ${u.username}`} onConfirm={() => void remove(u)} />
                      )}
                    </>
                  )}
                </td>
              </tr>
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
