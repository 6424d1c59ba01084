// Page helpers shared by the browser tests: they speak the UI contract's
// accessible names (getByRole / getByLabel), never CSS structure.

import { TIMEOUT, waitUntil } from './harness.mjs';

const FORM_ROLES = ['textbox', 'combobox', 'checkbox', 'spinbutton', 'searchbox', 'listbox', 'switch'];

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The form control labelled exactly `label`. A control whose accessible name
 * only starts with `label` (say help text inside the <label>) is used too, so
 * the flow goes on, but `onDeviation` hears about it.
 */
export async function field(page, label, onDeviation) {
  // getByLabel(exact) compares the whole <label> text, which for a wrapping
  // label around a <select> includes the option texts; the accessible name
  // (getByRole) is what the contract means.
  let exact = page.getByLabel(label, { exact: true });
  for (const role of FORM_ROLES) exact = exact.or(page.getByRole(role, { name: label, exact: true }));
  const loose = page.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}(?![a-z0-9])`));
  const found = await waitUntil(`a control labelled "${label}"`, async () => {
    if ((await exact.count()) > 0) return 'exact';
    if ((await loose.count()) > 0) return 'loose';
    return false;
  });
  if (found === 'exact') return exact.first();
  const name = await loose.first().evaluate((el) => {
    const labels = el.labels ? Array.from(el.labels).map((l) => l.innerText.trim()) : [];
    return labels.join(' | ') || el.getAttribute('aria-label') || '';
  });
  onDeviation?.(`control "${label}" has the accessible name "${name.replace(/\s+/g, ' ')}" (not exactly "${label}")`);
  return loose.first();
}

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'lost', 'interrupted'];

/** The page's single <h1> text once exactly one is there and it matches `expected` (RegExp or string). */
export async function waitHeading(page, expected, timeout = TIMEOUT.ui) {
  let seen = [];
  return waitUntil(
    `one <h1> matching ${expected} (seen: ${JSON.stringify(seen)})`,
    async () => {
      seen = (await page.locator('h1').allTextContents()).map((s) => s.trim());
      if (seen.length !== 1) return false;
      const ok = expected instanceof RegExp ? expected.test(seen[0]) : seen[0] === expected;
      return ok ? seen[0] : false;
    },
    { timeout },
  );
}

/** Signs in through the login form and waits for the app shell ("Sign out"). */
export async function signIn(page, username, password) {
  await page.goto('/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
}

/** Clicks a main navigation link and waits for that page's <h1>. */
export async function navigate(page, name, heading = new RegExp(name, 'i')) {
  const inNav = page.getByRole('navigation').getByRole('link', { name, exact: true });
  if ((await inNav.count()) > 0) await inNav.first().click();
  else await page.getByRole('link', { name, exact: true }).first().click();
  return waitHeading(page, heading);
}

/** Waits until the current URL path matches `re` and answers the match. */
export async function waitPath(page, re, timeout = TIMEOUT.ui) {
  return waitUntil(`URL path matching ${re} (at ${page.url()})`, () => new URL(page.url()).pathname.match(re), {
    timeout,
  });
}

/**
 * Watches a job page until [data-testid=job-status] shows a final status.
 * Answers the final status and every aria-valuenow of the "Job progress"
 * progressbar seen meanwhile (in order, repeats dropped).
 */
export async function watchJob(page, timeout = TIMEOUT.job) {
  const status = page.getByTestId('job-status');
  const bar = page.getByRole('progressbar', { name: 'Job progress' });
  const progress = [];
  const statuses = [];
  let last = '';
  await waitUntil(
    `the job to finish (status so far: ${JSON.stringify(statuses)})`,
    async () => {
      if ((await bar.count()) > 0) {
        const now = await bar.first().getAttribute('aria-valuenow');
        if (now !== null && progress[progress.length - 1] !== Number(now)) progress.push(Number(now));
      }
      last = ((await status.count()) > 0 ? await status.first().textContent() : '')?.trim().toLowerCase() ?? '';
      if (last && statuses[statuses.length - 1] !== last) statuses.push(last);
      return FINAL_STATUSES.includes(last);
    },
    { timeout, interval: 200 },
  );
  return { status: last, progress, statuses };
}

/** Fails with the job log when `watched.status` is not succeeded. */
export async function expectSucceeded(page, watched, what) {
  if (watched.status === 'succeeded') return;
  const log = await page
    .getByTestId('job-log')
    .textContent()
    .catch(() => '');
  const summary = await page
    .getByTestId('job-summary')
    .textContent()
    .catch(() => '');
  throw new Error(`${what} ended ${watched.status}\nsummary: ${summary}\nlog:\n${log}`);
}

/** A button or link named exactly `name` (the contract allows either for some controls). */
export function buttonOrLink(scope, name) {
  return scope.getByRole('button', { name, exact: true }).or(scope.getByRole('link', { name, exact: true }));
}
