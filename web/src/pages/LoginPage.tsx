import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { login, loginSecondStep } from '../app/context';
import { useTitle } from '../app/hooks';
import { ErrorNote } from '../components/ui';

export function LoginPage({ message }: { message?: string | undefined }) {
  useTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // Set once the password was right for a user with TOTP: the form asks for a code.
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const outcome = await login(username.trim(), password);
      if (outcome.kind === 'code') {
        setPassword('');
        setChallenge(outcome.challenge);
        setPending(false);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(new Error('Wrong username or password.'));
      else setError(err);
      setPending(false);
    }
  };

  const submitCode = async (e: Event) => {
    e.preventDefault();
    if (challenge === null) return;
    setPending(true);
    setError(null);
    try {
      await loginSecondStep(challenge, code.trim());
    } catch (err) {
      setCode('');
      if (err instanceof ApiError && err.status === 401 && err.message.includes('expired')) {
        setChallenge(null);
        setError(new Error('That took too long or too many codes were wrong. Sign in again.'));
      } else if (err instanceof ApiError && err.status === 401) {
        setError(new Error(err.message === 'wrong code' ? 'Wrong code.' : err.message));
      } else {
        setError(err);
      }
      setPending(false);
    }
  };

  if (challenge !== null) {
    return (
      <div class="login-wrap">
        <form class="login card" onSubmit={submitCode}>
          <h1>Two-factor code</h1>
          <p class="muted">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
          <label class="field">
            <span>Code</span>
            <input
              name="code"
              autoComplete="one-time-code"
              inputMode="text"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
              required
              autoFocus
            />
          </label>
          <ErrorNote error={error} />
          <button type="submit" class="btn btn-primary btn-block" disabled={pending}>
            Verify
          </button>
          <button
            type="button"
            class="btn btn-block"
            onClick={() => {
              setChallenge(null);
              setError(null);
            }}
          >
            Back
          </button>
        </form>
      </div>
    );
  }

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
