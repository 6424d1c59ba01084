// Your own account: two-factor authentication (TOTP), password, sessions.
// When admins require TOTP and you have none, this is the only page the app
// shows until you have set it up.

import { useState } from 'preact/hooks';
import {
  changePassword,
  confirmTotp,
  disableTotp,
  getTotpState,
  listOwnSessions,
  revokeOwnSession,
  startTotpEnrolment,
} from '../api/account';
import type { AccountSession, TotpEnrolment } from '../api/types';
import { api, logout, refreshSession, useSession } from '../app/context';
import { useAction, useAsync, useTitle } from '../app/hooks';
import { QrCode } from '../components/QrCode';
import { Badge, ConfirmButton, CopyButton, ErrorNote, Loading, TableHead } from '../components/ui';
import { formatTime } from '../lib/format';
import { groupSecret } from '../lib/qr';

function TwoFactor({ mustEnrol }: { mustEnrol: boolean }) {
  const state = useAsync((signal) => getTotpState(api, signal), []);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [password, setPassword] = useState('');
  const [disableCode, setDisableCode] = useState('');
  const start = useAction();
  const confirm = useAction();
  const disable = useAction();

  const begin = async () => {
    const made = await start.run(() => startTotpEnrolment(api));
    if (made) {
      setEnrolment(made);
      setCode('');
    }
  };
  const submitCode = async (e: Event) => {
    e.preventDefault();
    const done = await confirm.run(() => confirmTotp(api, code.trim()));
    if (done) {
      setEnrolment(null);
      setRecovery(done.recovery_codes);
      state.reload();
    }
  };
  const savedCodes = async () => {
    setRecovery(null);
    // A session that had to enrol may now use the whole app.
    if (mustEnrol) await refreshSession();
  };
  const submitDisable = async (e: Event) => {
    e.preventDefault();
    const ok = await disable.run(async () => {
      await disableTotp(api, password, disableCode.trim());
      return true;
    });
    setPassword('');
    setDisableCode('');
    if (ok) state.reload();
  };

  if (recovery) {
    return (
      <div class="secret" role="status">
        <p>
          <strong>Two-factor authentication is on.</strong> Save these recovery codes now: each signs you in once
          when you do not have your authenticator, and they are shown only this once.
        </p>
        <ul class="recovery-codes" data-testid="recovery-codes">
          {recovery.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <div class="actions">
          <CopyButton text={recovery.join('\n')} label="Copy codes" />
          <button type="button" class="btn btn-primary" onClick={() => void savedCodes()}>
            I have saved them
          </button>
        </div>
      </div>
    );
  }
  if (state.loading && !state.data) return <Loading what="Loading two-factor state" />;
  if (!state.data) return <ErrorNote error={state.error} />;
  const totp = state.data;

  if (enrolment) {
    return (
      <form onSubmit={submitCode} aria-label="Confirm two-factor authentication">
        <p>Scan this code with an authenticator app (FreeOTP, Aegis, Google Authenticator, 1Password …), then enter the 6-digit code it shows.</p>
        <div class="totp-enrol">
          <QrCode size={enrolment.qr.size} modules={enrolment.qr.modules} label="QR code for your authenticator app" />
          <div>
            <p class="muted">Or type this key into the app (time-based, SHA-1, 6 digits, 30 seconds):</p>
            <div class="command">
              <code data-testid="totp-secret" data-secret={enrolment.secret}>
                {groupSecret(enrolment.secret)}
              </code>
              <CopyButton text={enrolment.secret} />
            </div>
            <label class="field">
              <span>Code from the app</span>
              <input
                name="totp-code"
                autoComplete="one-time-code"
                inputMode="numeric"
                pattern="[0-9]{6}"
                maxLength={6}
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
                required
                autoFocus
              />
            </label>
            <ErrorNote error={confirm.error} />
            <div class="actions">
              <button type="submit" class="btn btn-primary" disabled={confirm.pending}>
                Turn on
              </button>
              <button type="button" class="btn" onClick={() => setEnrolment(null)}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      </form>
    );
  }

  if (!totp.enabled) {
    return (
      <div>
        {totp.required && (
          <p class="info-note" data-testid="totp-required">
            Your administrators require two-factor authentication. Set it up to continue.
          </p>
        )}
        <p>
          Two-factor authentication is <strong>off</strong>. With it on, signing in asks for a code from an app on your
          phone after your password.
        </p>
        <ErrorNote error={start.error} />
        <button type="button" class="btn btn-primary" onClick={() => void begin()} disabled={start.pending}>
          Set up two-factor authentication
        </button>
      </div>
    );
  }

  return (
    <div>
      <p data-testid="totp-on">
        Two-factor authentication is <strong>on</strong>
        {totp.enabled_at && ` since ${formatTime(totp.enabled_at)}`}. {totp.recovery_codes_left} recovery code
        {totp.recovery_codes_left === 1 ? '' : 's'} left.
      </p>
      <form onSubmit={submitDisable} aria-label="Turn off two-factor authentication">
        <div class="form-row">
          <label class="field">
            <span>Password</span>
            <input
              type="password"
              autoComplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              required
            />
          </label>
          <label class="field">
            <span>Code or recovery code</span>
            <input autoComplete="one-time-code" value={disableCode} onInput={(e) => setDisableCode(e.currentTarget.value)} required />
          </label>
          <div class="actions">
            <button type="submit" class="btn btn-danger" disabled={disable.pending}>
              Turn off
            </button>
          </div>
        </div>
        <ErrorNote error={disable.error} />
      </form>
    </div>
  );
}

function PasswordChange() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState<Error | null>(null);
  const change = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(false);
    if (next !== repeat) {
      setMismatch(new Error('The new passwords differ.'));
      return;
    }
    setMismatch(null);
    const ok = await change.run(async () => {
      await changePassword(api, current, next);
      return true;
    });
    setCurrent('');
    if (ok) {
      setNext('');
      setRepeat('');
      setDone(true);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Change password">
      <div class="form-row">
        <label class="field">
          <span>Current password</span>
          <input type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span>New password</span>
          <input
            type="password"
            autoComplete="new-password"
            minLength={8}
            maxLength={1024}
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
            required
          />
        </label>
        <label class="field">
          <span>New password again</span>
          <input
            type="password"
            autoComplete="new-password"
            value={repeat}
            onInput={(e) => setRepeat(e.currentTarget.value)}
            required
          />
        </label>
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={change.pending}>
            Change password
          </button>
        </div>
      </div>
      <ErrorNote error={mismatch ?? change.error} />
      {done && (
        <p class="info-note" role="status">
          Password changed. Your other sessions were signed out.
        </p>
      )}
    </form>
  );
}

function Sessions() {
  const sessions = useAsync((signal) => listOwnSessions(api, signal), []);
  const revoke = useAction();
  const doRevoke = async (s: AccountSession) => {
    const ok = await revoke.run(async () => {
      await revokeOwnSession(api, s.id);
      return true;
    });
    if (ok && s.current) await logout();
    else if (ok) sessions.reload();
  };
  if (sessions.loading && !sessions.data) return <Loading what="Loading sessions" />;
  return (
    <div>
      <ErrorNote error={sessions.error ?? revoke.error} />
      <table class="table" data-testid="sessions">
        <TableHead columns={['Signed in', 'Last used', 'Address', 'Browser', 'Actions']} />
        <tbody>
          {(sessions.data?.items ?? []).map((s) => (
            <tr key={s.id}>
              <td>{formatTime(s.created_at)}</td>
              <td>{formatTime(s.last_used_at)}</td>
              <td>{s.client_address}</td>
              <td class="wrap">{s.user_agent || '—'}</td>
              <td>
                {s.current && <Badge tone="ok">this session</Badge>}{' '}
                <ConfirmButton
                  label={s.current ? 'Sign out' : 'Revoke'}
                  ariaLabel={s.current ? 'Sign out this session' : `Revoke session from ${s.client_address}`}
                  onConfirm={() => void doRevoke(s)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AccountPage() {
  useTitle('Account');
  const s = useSession();
  const mustEnrol = s.status === 'authenticated' && s.mustEnrol;
  return (
    <section>
      <header class="page-head">
        <h1>Account</h1>
        {s.user && (
          <span class="muted">
            {s.user.username} · {s.user.role}
          </span>
        )}
      </header>
      <div class="card panel">
        <h2>Two-factor authentication</h2>
        <TwoFactor mustEnrol={mustEnrol} />
      </div>
      {!mustEnrol && (
        <>
          <div class="card panel">
            <h2>Password</h2>
            <PasswordChange />
          </div>
          <div class="card panel">
            <h2>Sessions</h2>
            <Sessions />
          </div>
        </>
      )}
    </section>
  );
}
