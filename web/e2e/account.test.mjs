// Operator accounts in the browser (issue 12): a user sets up TOTP on the
// Account page (QR code and key; the code is computed here from the key the
// page shows, as an authenticator app would), saves the recovery codes,
// signs out, and signs in again with password + code, then with a recovery
// code; a wrong code is refused. The session list marks the current session.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before } from 'node:test';
import { Harness, waitUntil } from './harness.mjs';
import { waitHeading } from './ui.mjs';

const h = new Harness('account');
const USER = { username: 'e2e-totp', password: 'totp-user-password-1' };

before(async () => {
  await h.start();
  await h.admin.post('/users', { username: USER.username, password: USER.password, role: 'operator' });
});

after(async () => {
  await h.stop();
});

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/\s+/g, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (HMAC-SHA-1, 6 digits, 30 s) — what an authenticator app computes. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[19] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

const currentStep = () => Math.floor(Date.now() / 1000 / 30);

/** A step no code was accepted for yet: the server takes each step once per user. */
async function freshStep(used) {
  return waitUntil('a TOTP step not used yet', () => (currentStep() > used ? currentStep() : false), {
    timeout: 40_000,
    interval: 500,
  });
}

async function passwordStep(page) {
  await page.goto('/');
  await page.getByLabel('Username', { exact: true }).fill(USER.username);
  await page.getByLabel('Password', { exact: true }).fill(USER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitHeading(page, 'Two-factor code');
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await waitHeading(page, 'Sign in');
}

h.browserTest('a user enrols TOTP, signs out and signs in with a code, then with a recovery code', async (page) => {
  await page.goto('/');
  await page.getByLabel('Username', { exact: true }).fill(USER.username);
  await page.getByLabel('Password', { exact: true }).fill(USER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();

  await page.getByRole('link', { name: `Account of ${USER.username}` }).click();
  await waitHeading(page, 'Account');
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  const qr = page.getByTestId('totp-qr');
  await qr.waitFor();
  assert.ok((await qr.locator('path').getAttribute('d')).length > 100, 'the QR code has modules drawn');
  const secret = await page.getByTestId('totp-secret').getAttribute('data-secret');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await h.shot(page, 'totp-enrol');

  const enrolStep = currentStep();
  await page.getByLabel('Code from the app').fill(totp(secret, enrolStep));
  await page.getByRole('button', { name: 'Turn on', exact: true }).click();
  // allTextContents does not wait: the codes appear once the server has answered "Turn on".
  await page.getByTestId('recovery-codes').locator('code').nth(9).waitFor();
  const codes = await page.getByTestId('recovery-codes').locator('code').allTextContents();
  assert.equal(codes.length, 10);
  for (const code of codes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  await h.shot(page, 'totp-recovery-codes');
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByTestId('totp-on').waitFor();
  assert.match(await page.getByTestId('totp-on').textContent(), /10 recovery codes left/);

  // The session list marks this session.
  const sessions = page.getByTestId('sessions');
  await sessions.getByText('this session').waitFor();
  await h.shot(page, 'account');

  // Sign out; the password alone no longer signs in.
  await signOut(page);
  await passwordStep(page);
  await page.getByLabel('Code', { exact: true }).fill(totp(secret, enrolStep + 5));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByText('Wrong code.').waitFor();
  await h.shot(page, 'totp-wrong-code');

  // The code of the enrolment's step was spent there: wait for the next one.
  const loginStep = await freshStep(enrolStep);
  await page.getByLabel('Code', { exact: true }).fill(totp(secret, loginStep));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  await h.shot(page, 'signed-in-with-code');
  const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
  assert.equal(me.user.username, USER.username);
  assert.equal(me.user.totp_enabled, true);

  // A recovery code signs in once.
  await signOut(page);
  await passwordStep(page);
  await page.getByLabel('Code', { exact: true }).fill(codes[0]);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  await page.getByRole('link', { name: `Account of ${USER.username}` }).click();
  await page.getByTestId('totp-on').waitFor();
  assert.match(await page.getByTestId('totp-on').textContent(), /9 recovery codes left/);

  await signOut(page);
  await passwordStep(page);
  await page.getByLabel('Code', { exact: true }).fill(codes[0]);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByText('Wrong code.').waitFor();
});
