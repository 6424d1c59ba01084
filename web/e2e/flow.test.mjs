// The main flow as an admin, through the browser, against a real server, a
// real agent and the real restic: enroll a host, add and initialise a
// repository, a source group and a schedule, back up, browse the snapshot,
// restore one file (byte-compared), and find every step in the audit log.
//
// The steps share one page and run in order; once one fails the rest are
// skipped. Contract deviations that do not block the flow are collected and
// fail the last test.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, Harness, TIMEOUT, parseEnrollCommand, waitUntil, writeRandomFile } from './harness.mjs';
import { buttonOrLink, expectSucceeded, field, navigate, signIn, waitHeading, waitPath, watchJob } from './ui.mjs';

const h = new Harness('flow');
let page;

// What the flow creates, named so that a reader of a screenshot can tell.
const names = {
  host: 'e2e-web-host',
  repo: 'e2e-local-repo',
  repoPassword: 'e2e repository password',
  group: 'e2e-documents',
  schedule: 'e2e nightly backup',
};
const BIG_FILE = 'random.bin';
// restic counts bytes as done once read, and it reads ahead of a slow upload
// by a few packs: 64 MiB at 4 MiB/s holds the bar at an intermediate value
// for seconds, so the live progress is really watched.
const BIG_BYTES = 64 << 20;

const state = { hostId: '', snapshotId: '', backupJobId: '', observedProgress: [] };
const deviations = [];

/** A contract deviation that does not stop the flow; the last test fails on any. */
function deviation(text) {
  if (deviations.includes(text)) return;
  deviations.push(text);
  console.log(`# deviation: ${text}`);
}

/** The control labelled `label` (see ui.mjs field()). */
const f = (label) => field(page, label, deviation);

const dirs = () => ({
  agent: path.join(h.tmp, 'agent'),
  repo: path.join(h.tmp, 'repo'),
  src: path.join(h.tmp, 'src'),
  restore: path.join(h.tmp, 'restore'),
});

before(async () => {
  await h.start();
  const { src } = dirs();
  await fsp.mkdir(path.join(src, 'nested', 'deeper'), { recursive: true });
  await fsp.writeFile(path.join(src, 'hello.txt'), 'hello from the e2e flow\n');
  await fsp.writeFile(path.join(src, 'nested', 'notes.md'), '# notes\n' + 'line\n'.repeat(500));
  await fsp.writeFile(path.join(src, 'nested', 'deeper', 'data.json'), JSON.stringify({ deep: true }) + '\n');
  await writeRandomFile(path.join(src, BIG_FILE), BIG_BYTES);
  ({ page } = await h.newPage('flow'));
});

after(async () => {
  await h.stop();
});

const step = (name, fn, opts) => h.step(name, () => page, fn, opts);

step('1. admin signs in through the login form', async () => {
  await page.goto('/');
  await (await f('Username')).waitFor();
  await h.shot(page, 'login');
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await waitHeading(page, /./);
  await h.shot(page, 'dashboard');
  for (const link of ['Dashboard', 'Hosts', 'Repositories', 'Jobs', 'Snapshots', 'Audit', 'Users', 'API tokens']) {
    const count = await page.getByRole('link', { name: link, exact: true }).count();
    if (count === 0) deviation(`navigation link "${link}" missing for an admin`);
  }
});

step('2. add a host, enroll the real agent with the shown command, host goes online', async () => {
  await navigate(page, 'Hosts');
  await page.getByRole('searchbox', { name: 'Search hosts' }).or(page.getByLabel('Search hosts')).first().waitFor();
  await h.shot(page, 'hosts-empty');
  await page.getByRole('button', { name: 'Add host', exact: true }).click();
  await (await f('Host name')).fill(names.host);
  await page.getByRole('button', { name: 'Create enrollment token', exact: true }).click();
  const commandBox = page.getByTestId('enroll-command');
  await commandBox.waitFor();
  await h.shot(page, 'enroll-command');
  const command = parseEnrollCommand(await commandBox.textContent());
  assert.match(command.program ?? '', /restic-manager-agent$/, 'the command runs the agent');
  assert.equal(command.subcommand, 'enroll');
  assert.equal(command.server, h.base, 'the command points at the server the browser talks to');
  assert.equal(command.fingerprint, h.fingerprint, 'the command pins the certificate the server presents');
  assert.match(command.token ?? '', /^rme_\S+$/, 'the command carries an enrollment token');

  const enrolled = await h.enrollAgent(command, dirs().agent);
  state.hostId = enrolled.host_id;
  if (enrolled.host_name !== names.host) {
    deviation(`the agent enrolled as host "${enrolled.host_name}", not the name typed in "Add host" ("${names.host}")`);
    names.host = enrolled.host_name;
  }
  // Uploads limited to 4 MiB/s: the backup takes about fifteen seconds, long
  // enough to watch its progress move through the live event stream.
  h.startAgent(dirs().agent, await h.throttledRestic(4096));

  // Live update (SSE) or, failing that, a reload every 15 s.
  await navigate(page, 'Hosts');
  const row = page
    .getByRole('row')
    .or(page.getByRole('listitem'))
    .filter({ has: page.getByRole('link', { name: names.host, exact: true }) });
  let reloads = 0;
  let lastReload = Date.now();
  await waitUntil(
    `host row "${names.host}" to show online`,
    async () => {
      if ((await row.count()) > 0 && /\bonline\b/i.test(await row.first().innerText())) return true;
      if (Date.now() - lastReload > 15_000) {
        reloads += 1;
        lastReload = Date.now();
        await page.reload();
      }
      return false;
    },
    { timeout: TIMEOUT.online, interval: 500 },
  );
  console.log(`# host online seen after ${reloads} reload(s)`);
  await h.shot(page, 'hosts-online');
});

step('3. add a repository (local directory)', async () => {
  await navigate(page, 'Repositories');
  await page.getByRole('button', { name: 'Add repository', exact: true }).click();
  await (await f('Name')).fill(names.repo);
  await (await f('URL')).fill(dirs().repo);
  await (await f('Password')).fill(names.repoPassword);
  await h.shot(page, 'repository-form');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(names.repo, { exact: true }).first().waitFor();
  await h.shot(page, 'repositories');
  const listed = await h.admin.get('/repositories');
  const repo = listed.items.find((r) => r.name === names.repo);
  assert.ok(repo, 'the repository exists on the server');
  assert.equal(repo.url, dirs().repo);
  state.repoId = repo.id;
});

async function openHostPage() {
  await navigate(page, 'Hosts');
  await page.getByRole('link', { name: names.host, exact: true }).first().click();
  await waitHeading(page, names.host);
  await waitPath(page, /^\/hosts\/[^/]+$/);
}

step('4. initialise the repository from the host page', async () => {
  await openHostPage();
  for (const section of ['Repositories', 'Source groups', 'Schedules', 'Jobs', 'Snapshots']) {
    if ((await page.getByRole('heading', { level: 2, name: section, exact: true }).count()) === 0) {
      deviation(`host page has no h2 "${section}"`);
    }
  }
  await h.shot(page, 'host-page');
  await page.getByRole('button', { name: `Initialize ${names.repo}`, exact: true }).click();
  await waitPath(page, /^\/jobs\/[^/]+$/);
  const watched = await watchJob(page);
  await h.shot(page, 'init-job');
  await expectSucceeded(page, watched, 'the init job');
  assert.ok(fs.existsSync(path.join(dirs().repo, 'config')), 'restic wrote the repository config');
});

step('5. add a source group with the prepared directory', async () => {
  await openHostPage();
  await page.getByRole('button', { name: 'Add source group', exact: true }).click();
  await (await f('Name')).fill(names.group);
  await (await f('Paths')).fill(dirs().src);
  await h.shot(page, 'source-group-form');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('button', { name: `Back up ${names.group} now`, exact: true }).waitFor();
  await h.shot(page, 'host-with-group');
  const groups = await h.admin.get(`/source-groups?host_id=${state.hostId}`);
  const group = groups.items.find((g) => g.name === names.group);
  assert.ok(group, 'the source group exists on the server');
  assert.deepEqual(group.paths, [dirs().src]);
});

step('6. add a backup schedule (cron validated and previewed), then run it now', async () => {
  await openHostPage();
  await buttonOrLink(page, 'Add schedule').first().click();
  await waitPath(page, /^\/schedules\/new$/);
  assert.equal(new URL(page.url()).searchParams.get('host_id'), state.hostId, 'the editor knows the host');
  await (await f('Name')).fill(names.schedule);
  await (await f('Kind')).selectOption('backup');

  const cron = (await f('Cron expression'));
  const error = page.getByTestId('cron-error');
  const preview = page.getByTestId('cron-preview').locator('li');
  await cron.fill('0 25 * * *');
  await error.waitFor({ state: 'visible' });
  assert.equal(await error.getAttribute('role'), 'alert', 'the cron error is announced (role=alert)');
  const message = ((await error.textContent()) ?? '').trim();
  assert.ok(message.length > 0, 'the cron error says what is wrong');
  console.log(`# cron error shown: ${message}`);
  await h.shot(page, 'schedule-bad-cron');

  await cron.fill('0 3 * * *');
  await waitUntil('the cron error to go and five previewed fire times', async () => {
    const errorShown = (await error.count()) > 0 && (await error.first().isVisible());
    return !errorShown && (await preview.count()) === 5;
  });
  const fires = (await preview.allTextContents()).map((s) => s.trim());
  assert.equal(new Set(fires).size, 5, `five distinct fire times: ${JSON.stringify(fires)}`);

  await page.getByRole('checkbox', { name: names.group, exact: true }).check();
  await (await f('Repository')).selectOption({ label: names.repo });
  await h.shot(page, 'schedule-form');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitHeading(page, names.schedule);
  await h.shot(page, 'schedule-saved');

  const schedules = await h.admin.get(`/schedules?host_id=${state.hostId}`);
  const schedule = schedules.items.find((s) => s.name === names.schedule);
  assert.ok(schedule, 'the schedule exists on the server');
  assert.equal(schedule.cron, '0 3 * * *');
  assert.equal(schedule.kind, 'backup');
  assert.equal(schedule.repository_id, state.repoId);
  assert.equal(schedule.source_group_ids.length, 1);

  await page.getByRole('button', { name: 'Run now', exact: true }).click();
  const match = await waitPath(page, /^\/jobs\/([^/]+)$/);
  state.backupJobId = decodeURIComponent(match[1]);
});

step('7. the backup job page shows progress, success, the snapshot and the log', async () => {
  const bar = page.getByRole('progressbar', { name: 'Job progress' });
  await bar.waitFor();
  await h.shot(page, 'backup-job-start');
  const watched = await watchJob(page);
  state.observedProgress = watched.progress;
  await h.shot(page, 'backup-job-done');
  await expectSucceeded(page, watched, 'the backup job');
  console.log(`# backup statuses seen: ${watched.statuses.join(' → ')}`);
  console.log(`# backup progress values seen: ${JSON.stringify(watched.progress)}`);
  console.log(
    `# intermediate progress (0 < p < 100) observed: ${watched.progress.some((p) => p > 0 && p < 100) ? 'yes' : 'no'}`,
  );

  assert.ok(
    watched.progress.some((p) => p > 0 && p < 100),
    `the progress bar moved through intermediate values while the backup ran (seen: ${JSON.stringify(watched.progress)})`,
  );
  await waitUntil('aria-valuenow 100 on the finished job', async () => (await bar.getAttribute('aria-valuenow')) === '100');
  const job = await h.admin.get(`/jobs/${state.backupJobId}`);
  assert.equal(job.status, 'succeeded');
  // restic 0.14 reports the short id in its backup summary; the server
  // resolves it to the full one through the snapshot index.
  assert.match(job.snapshot_id ?? '', /^[0-9a-f]{64}$/, 'the server recorded the full snapshot id');
  const snapshots = await h.admin.get(`/repositories/${state.repoId}/snapshots`);
  const snapshot = snapshots.items.find((s) => s.id.startsWith(job.snapshot_id));
  assert.ok(snapshot, `the snapshot index has ${job.snapshot_id}: ${JSON.stringify(snapshots.items)}`);
  assert.match(snapshot.id, /^[0-9a-f]{64}$/);
  state.snapshotId = snapshot.id;
  const summary = page.getByTestId('job-summary');
  await waitUntil(`the summary to name the snapshot ${job.snapshot_id}`, async () =>
    ((await summary.textContent()) ?? '').includes(job.snapshot_id),
  );
  const summaryText = (await summary.innerText()).replace(/\s+/g, ' ');
  console.log(`# job summary: ${summaryText}`);
  assert.equal(job.snapshot_id, snapshot.id, 'the job names the same full id as the snapshot index');
  const log = page.getByTestId('job-log');
  await waitUntil('a non-empty job log', async () => ((await log.textContent()) ?? '').trim().length > 0);
  await h.shot(page, 'backup-job-summary');
});

step('8. browse the snapshot and restore one file to a new directory', async () => {
  await navigate(page, 'Snapshots');
  await (await f('Repository')).selectOption({ label: names.repo });
  const browse = buttonOrLink(page, 'Browse');
  await browse.first().waitFor();
  await h.shot(page, 'snapshots');
  const shortId = state.snapshotId.slice(0, 8);
  const ourRow = page.getByRole('row').filter({ hasText: shortId }).filter({ has: browse });
  await ((await ourRow.count()) > 0 ? buttonOrLink(ourRow.first(), 'Browse') : browse).first().click();

  // Walk down to the source directory, wherever the listing starts (/ or the
  // snapshot's path): the deepest path component listed as an entry is the
  // next directory to open (entries only: the breadcrumb leads back up).
  const target = page.getByRole('checkbox', { name: `Select ${BIG_FILE}`, exact: true });
  const components = dirs().src.split('/').filter(Boolean);
  const rows = page.getByRole('row');
  const opened = [];
  await waitUntil(
    `the listing of ${dirs().src} (opened so far: ${JSON.stringify(opened)})`,
    async () => {
      if ((await target.count()) > 0) return true;
      for (let i = components.length - 1; i >= 0; i -= 1) {
        const name = components[i];
        const entry = buttonOrLink(rows, name);
        if ((await entry.count()) === 0) continue;
        opened.push(name);
        await entry.first().click();
        await waitUntil(`the listing of ${name}`, async () => (await target.count()) > 0 || (await entry.count()) === 0, {
          timeout: TIMEOUT.job,
        });
        await h.shot(page, `browse-${name}`);
        return false;
      }
      return false;
    },
    { timeout: TIMEOUT.job, interval: 500 },
  );
  for (const other of ['hello.txt', 'nested']) {
    if ((await page.getByRole('checkbox', { name: `Select ${other}`, exact: true }).count()) === 0) {
      deviation(`browse listing of the source dir has no "Select ${other}" checkbox`);
    }
  }
  await target.check();
  await h.shot(page, 'browse-selected');
  await page.getByRole('button', { name: 'Restore selected', exact: true }).click();
  await (await f('Target host')).selectOption({ label: names.host });
  await (await f('Target path')).fill(dirs().restore);
  await h.shot(page, 'restore-form');
  await page.getByRole('button', { name: 'Start restore', exact: true }).click();
  await waitPath(page, /^\/jobs\/[^/]+$/);
  const watched = await watchJob(page);
  await h.shot(page, 'restore-job');
  await expectSucceeded(page, watched, 'the restore job');

  const original = path.join(dirs().src, BIG_FILE);
  const restored = path.join(dirs().restore, original);
  assert.ok(fs.existsSync(restored), `restic restored ${restored}`);
  const [a, b] = await Promise.all([fsp.readFile(original), fsp.readFile(restored)]);
  assert.equal(b.length, a.length, 'restored size');
  assert.ok(a.equals(b), 'the restored file is byte-equal to the original');
  const others = path.join(dirs().restore, dirs().src, 'hello.txt');
  if (fs.existsSync(others)) deviation('the restore brought back files that were not selected (hello.txt)');
});

step('9. the audit log shows every action of the flow', async () => {
  await navigate(page, 'Audit');
  const table = page.getByRole('table');
  await table.first().waitFor();
  const expected = [
    'auth.login',
    'enrollment_token.create',
    'host.enroll',
    'repository.create',
    'job.run',
    'source_group.create',
    'schedule.create',
    'schedule.run',
  ];
  let text = '';
  await waitUntil(`audit table to list ${expected.join(', ')}`, async () => {
    text = (await table.first().textContent()) ?? '';
    return expected.every((action) => text.includes(action));
  }).catch((error) => {
    const missing = expected.filter((action) => !text.includes(action));
    throw new Error(`${error.message}\nmissing in the table: ${missing.join(', ')}`);
  });
  await h.shot(page, 'audit');
  // The UI table and the API agree on the run-now/init/restore jobs: three job creations.
  const audit = await h.admin.get('/audit?limit=200');
  const runs = audit.items.filter((e) => e.action === 'job.run').length;
  assert.ok(runs >= 2, `init and restore are audited as job.run (found ${runs})`);
  if (!text.includes('host.create')) {
    const apiHasHostCreate = audit.items.some((e) => e.action === 'host.create');
    if (apiHasHostCreate) deviation('host.create is in the API audit but not shown in the audit table');
  }

  // The filter narrows the table to one action.
  const action = page.getByLabel('Action', { exact: true }); // optional
  if ((await action.count()) > 0) {
    const tag = await action.evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'select') await action.selectOption('repository.create');
    else await action.fill('repository.create');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await waitUntil('the filtered audit table', async () => {
      const filtered = (await table.first().textContent()) ?? '';
      return filtered.includes('repository.create') && !filtered.includes('schedule.create');
    });
    await h.shot(page, 'audit-filtered');
  } else {
    deviation('audit page has no "Action" filter');
  }
});

step('10. the remaining admin pages render', async () => {
  for (const [link, heading] of [
    ['Jobs', /jobs/i],
    ['Users', /users/i],
    ['API tokens', /tokens/i],
    ['Dashboard', /./],
  ]) {
    await navigate(page, link, heading);
    await h.shot(page, link.toLowerCase().replace(/\s+/g, '-'));
  }
  // The dashboard, once loaded: the host's last backup is recent against its
  // daily schedule, so its health is green; the charts have data.
  await navigate(page, 'Dashboard', /dashboard/i);
  const healthCard = page.locator('section', { has: page.getByRole('heading', { name: 'Backup health' }) });
  const hostRow = healthCard.getByRole('row').filter({ hasText: names.host });
  await hostRow.waitFor({ timeout: 30_000 });
  assert.match(await hostRow.innerText(), /healthy/, 'the host that just backed up is healthy');
  await page.getByRole('heading', { name: 'Backup duration' }).waitFor();
  assert.ok((await page.locator('svg').count()) > 0, 'the dashboard draws its charts');
  await h.shot(page, 'dashboard-loaded');
  // The jobs list links the backup job.
  await navigate(page, 'Jobs', /jobs/i);
  await page.locator(`a[href="/jobs/${state.backupJobId}"]`).first().waitFor();
});

test('no contract deviations were seen', () => {
  assert.deepEqual(deviations, []);
});
