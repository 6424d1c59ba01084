// A viewer sees every page with content but no control that would change
// anything, and the server refuses a mutation sent from the viewer's page.
//
// Seeded through REST as admin: a real agent (host online), a repository,
// its init job, a source group, a schedule and a finished backup with a snapshot.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { Harness, TIMEOUT, waitUntil } from './harness.mjs';
import { buttonOrLink, field, navigate, signIn, waitHeading } from './ui.mjs';

const h = new Harness('viewer');
const VIEWER = { username: 'e2e-viewer', password: 'viewer-password-123' };
const seed = {};

before(async () => {
  await h.start();
  await h.admin.post('/users', { username: VIEWER.username, password: VIEWER.password, role: 'viewer' });

  const src = path.join(h.tmp, 'src');
  await fsp.mkdir(path.join(src, 'sub'), { recursive: true });
  await fsp.writeFile(path.join(src, 'a.txt'), 'a\n');
  await fsp.writeFile(path.join(src, 'sub', 'b.txt'), 'b\n');

  const { hostId } = await h.addAgentViaApi('viewer-host');
  seed.hostId = hostId;
  seed.hostName = (await h.admin.get(`/hosts/${hostId}`)).name;
  const repo = await h.admin.post('/repositories', {
    name: 'viewer-repo',
    url: path.join(h.tmp, 'repo'),
    password: 'viewer repo password',
  });
  seed.repoId = repo.id;
  const init = await h.admin.post('/jobs', { host_id: hostId, kind: 'init', repository_id: repo.id });
  const initDone = await h.admin.waitJob(init.id);
  assert.equal(initDone.status, 'succeeded', `init: ${JSON.stringify(initDone)}`);
  const group = await h.admin.post('/source-groups', { host_id: hostId, name: 'viewer-group', paths: [src] });
  seed.groupId = group.id;
  const schedule = await h.admin.post('/schedules', {
    host_id: hostId,
    name: 'viewer-schedule',
    kind: 'backup',
    cron: '0 4 * * *',
    repository_id: repo.id,
    source_group_ids: [group.id],
  });
  seed.scheduleId = schedule.id;
  const run = await h.admin.post(`/schedules/${schedule.id}/run`, {});
  const backup = await h.admin.waitJob(run.jobs[0].id);
  assert.equal(backup.status, 'succeeded', `backup: ${JSON.stringify(backup)}`);
  seed.jobId = backup.id;
  seed.snapshotId = backup.snapshot_id;
});

after(async () => {
  await h.stop();
});

// Accessible names of controls that mutate; each must be absent or disabled.
const MUTATING = [
  'Add host',
  'Create enrollment token',
  'Add repository',
  'Save',
  'Delete',
  'Run now',
  'Cancel',
  'Run again',
  /^Initialize\b/,
  /^Back up .* now$/,
  'Restore selected',
  'Start restore',
  'Add source group',
  'Add schedule',
  'Always on',
  'Add user',
  'Create user',
];

/** Names of enabled controls on the page that a viewer must not have. */
async function enabledMutatingControls(page) {
  const found = [];
  for (const name of MUTATING) {
    const exact = typeof name === 'string';
    for (const role of ['button', 'link', 'checkbox', 'switch', 'menuitem']) {
      const controls = page.getByRole(role, { name, exact });
      const n = await controls.count();
      for (let i = 0; i < n; i += 1) {
        const control = controls.nth(i);
        if (!(await control.isVisible())) continue;
        if (await control.isDisabled()) continue;
        if ((await control.getAttribute('aria-disabled')) === 'true') continue;
        found.push(`${role} "${(await control.getAttribute('aria-label')) ?? (await control.textContent())?.trim()}"`);
      }
    }
  }
  return found;
}

async function expectReadOnly(page, where) {
  const found = await enabledMutatingControls(page);
  assert.deepEqual(found, [], `${where}: a viewer must not get mutating controls`);
}

h.browserTest(
  'a viewer sees every page with content but no mutating control',
  async (page) => {
    await page.goto('/');
    await signIn(page, VIEWER.username, VIEWER.password);
    await waitHeading(page, /./);
    await h.shot(page, 'dashboard');
    await expectReadOnly(page, 'dashboard');
    assert.equal(await page.getByRole('link', { name: 'Users', exact: true }).count(), 0, 'no Users link for a viewer');

    await navigate(page, 'Hosts');
    const hostLink = page.getByRole('link', { name: seed.hostName, exact: true });
    await hostLink.first().waitFor();
    await h.shot(page, 'hosts');
    await expectReadOnly(page, 'hosts');

    await hostLink.first().click();
    await waitHeading(page, seed.hostName);
    await page.getByText('viewer-group', { exact: true }).first().waitFor();
    await page.getByText('viewer-schedule', { exact: true }).first().waitFor();
    await h.shot(page, 'host');
    await expectReadOnly(page, 'host page');

    await navigate(page, 'Repositories');
    await page.getByText('viewer-repo', { exact: true }).first().waitFor();
    await h.shot(page, 'repositories');
    await expectReadOnly(page, 'repositories');

    await navigate(page, 'Snapshots');
    await (await field(page, 'Repository')).selectOption({ label: 'viewer-repo' });
    await page.getByText(seed.snapshotId.slice(0, 8)).first().waitFor();
    await h.shot(page, 'snapshots');
    await expectReadOnly(page, 'snapshots');

    // Browsing has a host's agent open the repository with its password: it
    // needs the operator role (issue 12). A viewer is told so, and no listing
    // is asked for; restoring is a mutation and must not be offered either.
    const browse = buttonOrLink(page, 'Browse');
    if ((await browse.count()) > 0 && (await browse.first().isEnabled())) {
      await browse.first().click();
      await waitHeading(page, /^(?!Snapshots$)./); // the browse page, not the list
      await page.getByText('Browsing a snapshot needs the operator role', { exact: false }).waitFor();
      assert.equal(await page.getByRole('row').count(), 0, 'a viewer gets no listing');
      await h.shot(page, 'browse');
      await expectReadOnly(page, 'browse');
    }

    await page.goto(`/jobs/${seed.jobId}`);
    await page.getByTestId('job-status').waitFor();
    await waitUntil('the job page to show succeeded', async () =>
      ((await page.getByTestId('job-status').textContent()) ?? '').trim() === 'succeeded',
    );
    await h.shot(page, 'job');
    await expectReadOnly(page, 'job page');

    await page.goto(`/schedules/${seed.scheduleId}`);
    await waitHeading(page, 'viewer-schedule');
    await h.shot(page, 'schedule');
    await expectReadOnly(page, 'schedule page');
    const preHook = page.getByRole('textbox', { name: 'Pre hook', exact: true });
    if ((await preHook.count()) > 0) {
      assert.ok(
        await preHook.isDisabled(),
        'hooks are not editable by a viewer',
      );
    }

    await navigate(page, 'Audit');
    await page.getByRole('table').first().waitFor();
    await waitUntil('audit entries', async () =>
      ((await page.getByRole('table').first().textContent()) ?? '').includes('repository.create'),
    );
    await h.shot(page, 'audit');
    await expectReadOnly(page, 'audit');

    await navigate(page, 'Jobs');
    await h.shot(page, 'jobs');
    await expectReadOnly(page, 'jobs');
  },
  { timeout: 300_000 },
);

h.browserTest('the server refuses a viewer mutation sent from the page (403), with a valid CSRF token', async (page) => {
  await signIn(page, VIEWER.username, VIEWER.password);
  await waitHeading(page, /./);
  const result = await page.evaluate(async () => {
    // The SPA keeps the session's CSRF token in sessionStorage.
    const csrf = sessionStorage.getItem('rm_csrf');
    const post = async (url, body) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf ?? '' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    };
    return {
      csrf: Boolean(csrf),
      repo: await post('/api/v1/repositories', { name: 'viewer-made', url: '/tmp/nope', password: 'x' }),
      job: await post('/api/v1/jobs', { host_id: 'x', kind: 'check', repository_id: 'x' }),
      // Allowed to a viewer: proves the CSRF token is good, so the 403s are about the role.
      token: await post('/api/v1/tokens', { name: 'viewer-own-token' }),
    };
  });
  await h.shot(page, 'after-fetch');
  assert.ok(result.csrf, 'the page holds a CSRF token (sessionStorage rm_csrf)');
  assert.equal(result.token.status, 201, `viewer may create an own token: ${result.token.body}`);
  assert.equal(result.repo.status, 403, `POST /repositories as viewer: ${result.repo.body}`);
  assert.equal(JSON.parse(result.repo.body).error.code, 'permission_denied');
  assert.equal(result.job.status, 403, `POST /jobs as viewer: ${result.job.body}`);
  const repos = await h.admin.get('/repositories');
  assert.ok(!repos.items.some((r) => r.name === 'viewer-made'), 'nothing was created');
});

h.browserTest('the viewer signs in, moves between pages and signs out with the keyboard only', async (page) => {
  await page.goto('/');
  const focusedLabel = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return '';
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : el.closest('label');
      return (el.getAttribute('aria-label') || label?.textContent || el.textContent || '').trim();
    });
  // Tab reaches the username field, then the password field; Enter submits.
  await waitUntil('the username field to take the focus by Tab', async () => {
    if ((await focusedLabel()).startsWith('Username')) return true;
    await page.keyboard.press('Tab');
    return false;
  });
  await page.keyboard.type(VIEWER.username);
  await page.keyboard.press('Tab');
  assert.match(await focusedLabel(), /^Password/, 'Tab moves from Username to Password');
  await page.keyboard.type(VIEWER.password);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();

  // The navigation is reachable by Tab; Enter on "Hosts" opens the hosts page.
  await waitUntil('the Hosts link to take the focus by Tab', async () => {
    if ((await focusedLabel()) === 'Hosts') return true;
    await page.keyboard.press('Tab');
    return false;
  });
  await page.keyboard.press('Enter');
  await waitHeading(page, /hosts/i);
  await h.shot(page, 'keyboard-hosts');

  // ...and so is "Sign out", which ends the session.
  await waitUntil('the Sign out button to take the focus by Tab', async () => {
    if ((await focusedLabel()) === 'Sign out') return true;
    await page.keyboard.press('Tab');
    return false;
  });
  await page.keyboard.press('Enter');
  await page.getByLabel('Username', { exact: true }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
  assert.equal(me, 401, 'signing out ended the session');
});
