// An overdue host through the browser (issue 11's "host unprotected", the
// rule that matters most), against a real server, agent and restic: a host
// is added with a source group and a backup schedule every 10 s, but no
// agent runs there yet. Once the slot after "never" plus the grace (1.5 ×
// 10 s) has passed, the periodic pass (--alert-interval 2) raises
// host_unprotected: it appears LIVE on an operator's open Alerts page, and a
// webhook sink on 127.0.0.1 receives it once. The cause is then fixed — the
// host's agent is enrolled and started, its schedule fires, the backup
// succeeds — and the alert shows resolved, live, and the sink receives the
// resolve.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Harness, bins, runToEnd, startWebhookSink, waitUntil } from './harness.mjs';
import { navigate, signIn } from './ui.mjs';

// --alert-settle 1: this server may raise "overdue" a second after it starts
// (in production it first waits for agents to come back and deliver).
const h = new Harness('overdue', { serverArgs: ['--alert-interval', '2', '--alert-settle', '1'] });
const names = {
  host: 'e2e-overdue-host',
  repo: 'e2e-overdue-repo',
  group: 'e2e-overdue-docs',
  schedule: 'e2e every ten seconds',
  operator: 'e2e-overdue-operator',
  password: 'e2e-user-password',
};
const state = { hostId: '', scheduleId: '', alertId: '' };
const pages = { operator: null };
let webhook = null;

const alertRow = (page) =>
  page.getByTestId('alerts-table').getByRole('row').filter({ hasText: `${names.host} / ${names.schedule}` });

/** The notices the sink received of host_unprotected for our host in `alertState`. */
const notices = (alertState) =>
  webhook.bodies.filter(
    (b) => b.alert && b.alert.kind === 'host_unprotected' && b.alert.host_name === names.host && b.alert.state === alertState,
  );

before(async () => {
  await h.start();
  const src = path.join(h.tmp, 'src');
  await fsp.mkdir(src, { recursive: true });
  await fsp.writeFile(path.join(src, 'thesis.txt'), 'the only copy\n');

  // The repository exists (made by restic itself); only the host's agent is missing.
  const repoDir = path.join(h.tmp, 'repo');
  const passwordFile = path.join(h.tmp, 'repo-password');
  await fsp.writeFile(passwordFile, 'e2e overdue repository password\n', { mode: 0o600 });
  const init = await runToEnd('restic init', bins.restic, ['init', '--repo', repoDir, '--password-file', passwordFile], {
    env: { ...process.env, HOME: h.tmp },
    log: h.artifact('restic-init.log'),
  });
  assert.equal(init.code, 0, `restic init: ${init.output}`);
  const repo = await h.admin.post('/repositories', {
    name: names.repo,
    url: repoDir,
    password: 'e2e overdue repository password',
  });

  const host = await h.admin.post('/hosts', { name: names.host });
  state.hostId = host.id;
  const group = await h.admin.post('/source-groups', { host_id: host.id, name: names.group, paths: [src] });
  const schedule = await h.admin.post('/schedules', {
    host_id: host.id,
    name: names.schedule,
    kind: 'backup',
    cron: '@every 10s',
    repository_id: repo.id,
    source_group_ids: [group.id],
  });
  state.scheduleId = schedule.id;
  await h.admin.post('/users', { username: names.operator, password: names.password, role: 'operator' });

  webhook = await startWebhookSink();
  await h.admin.post('/notification-channels', {
    name: 'e2e overdue webhook',
    kind: 'webhook',
    url: webhook.url,
  });
  ({ page: pages.operator } = await h.newPage('overdue-operator'));
});

after(async () => {
  await h.stop();
  if (webhook) await webhook.close();
});

const step = (name, fn, opts) => h.step(name, () => pages.operator, fn, opts);

step('1. the operator watches the Alerts page: nothing is wrong yet', async (page) => {
  await signIn(page, names.operator, names.password);
  await navigate(page, 'Alerts');
  await page.getByTestId('alerts-table').or(page.getByText('Nothing is wrong: no alerts match.')).first().waitFor();
  await page.evaluate(() => {
    window.__rmgrOverdueNoReload = true;
  });
});

step('2. the host never backs up: host_unprotected appears live and the webhook receives it', async (page) => {
  const row = alertRow(page);
  await row.waitFor({ timeout: 90_000 });
  await row.getByText(/Unprotected/i).first().waitFor();
  assert.equal(await page.evaluate(() => window.__rmgrOverdueNoReload === true), true, 'the alert arrived without a reload');
  await h.shot(page, 'overdue-firing');
  const listed = await h.admin.get(`/alerts?state=firing&kind=host_unprotected&host_id=${state.hostId}`);
  assert.equal(listed.items.length, 1, 'one alert for the one schedule × group');
  state.alertId = listed.items[0].id;
  assert.equal(listed.items[0].severity, 'critical');
  assert.match(listed.items[0].reason, /never backed up successfully/);

  await waitUntil('the webhook sink receives the alert firing', () => notices('firing').length > 0, { timeout: 60_000 });
  const [fired] = notices('firing');
  assert.equal(fired.event, 'firing');
  assert.equal(fired.alert.id, state.alertId);
});

step('3. the host gets its agent, the backup succeeds: the alert resolves live and the sink hears it', async (page) => {
  const token = await h.admin.post('/enrollment-tokens', { name: 'overdue host', host_id: state.hostId });
  const stateDir = path.join(h.tmp, 'agent-overdue');
  await h.enrollAgent({ server: h.base, token: token.token }, stateDir);
  h.startAgent(stateDir);
  await h.waitConnected(state.hostId);

  await alertRow(page).getByText(/resolved/i).first().waitFor({ timeout: 120_000 });
  assert.equal(await page.evaluate(() => window.__rmgrOverdueNoReload === true), true, 'resolved without a reload');
  await h.shot(page, 'overdue-resolved');
  const alert = await h.admin.get(`/alerts/${state.alertId}`);
  assert.equal(alert.state, 'resolved');
  const jobs = await h.admin.get(`/jobs?host_id=${state.hostId}&status=succeeded`);
  assert.ok(jobs.items.length >= 1, 'a backup of the schedule succeeded');

  await waitUntil('the webhook sink receives the alert resolved', () => notices('resolved').length > 0, { timeout: 60_000 });
  assert.equal(notices('firing').length, 1, 'told once that it fired (no reminder within the test)');
});
