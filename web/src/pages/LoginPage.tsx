import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { login } from '../app/context';
import { useTitle } from '../app/hooks';
import { ErrorNote } from '../components/ui';

export function LoginPage({ message }: { message?: string | undefined }) {
  useTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(new Error('Wrong username or password.'));
      else setError(err);
      setPending(false);
    }
  };

  return (
    <div class="login-wrap">
      <form class="login card" onSubmit={submit}>
        <h1>Sign in</h1>
        <p class="muted">restic-manager</p>
        {message && <p class="info-note">{message}</p>}
        <label class="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            required
            autoFocus
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" class="btn btn-primary btn-block" disabled={pending}>
          Sign in
        </button>
      </form>
    </div>
  );
}
