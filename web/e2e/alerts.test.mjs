// Alerts through the browser, against a real server, a real agent and the
// real restic: a host's scheduled backup fails (its repository was never
// initialised), the job_failed alert appears LIVE on the open Alerts page, in
// the navigation badge (also a viewer's) and on the dashboard, without a
// reload; an operator acknowledges it; the cause is fixed (the repository is
// initialised, the schedule runs again and succeeds) and the alert shows
// resolved, live. Before that, an admin makes job_failed critical on the rules
// page (and sees a refused value named at its field), so the badge is red.
// A webhook channel points at a sink this test runs on 127.0.0.1: it receives
// the alert firing once, and resolved.
//
// The set-up that is not about alerts (agent, repository, group, schedule)
// goes through REST; flow.test.mjs covers it in the browser. The steps share
// pages and run in order; once one fails the rest are skipped.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, Harness, startWebhookSink, waitUntil } from './harness.mjs';
import { field, navigate, signIn, waitHeading } from './ui.mjs';

const h = new Harness('alerts');
const names = {
  host: 'e2e-alert-host',
  repo: 'e2e-alert-repo',
  group: 'e2e-alert-docs',
  schedule: 'e2e alert nightly',
  operator: 'e2e-operator',
  viewer: 'e2e-viewer',
  password: 'e2e-user-password',
};
const state = { hostId: '', repoId: '', scheduleId: '', alertId: '', operatorId: '' };

// A webhook sink on 127.0.0.1: every JSON body a channel delivers to it.
let webhook = null;

/** Waits until the sink has received a notice of our alert in `alertState`. */
async function sinkReceived(alertState) {
  return waitUntil(`the webhook sink receives the alert ${alertState}`, () =>
    webhook.bodies.find(
      (b) => b.alert && b.alert.kind === 'job_failed' && b.alert.state === alertState && b.alert.host_name === names.host,
    ),
  { timeout: 60_000 });
}
// Pages: the operator watches the Alerts page the whole time; the admin
// changes the rule and watches the dashboard; the viewer only looks at the badge.
const pages = { operator: null, admin: null, viewer: null };

/** The alerts table's row of our schedule's alert (subject "host / schedule / group"). */
const alertRow = (page) =>
  page.getByTestId('alerts-table').getByRole('row').filter({ hasText: `${names.host} / ${names.schedule}` });

/** The badge beside "Alerts" in the navigation: its count and tone, or null when not shown. */
async function badge(page) {
  const el = page.getByTestId('alert-badge');
  if ((await el.count()) === 0) return null;
  // The badge may go between the count and the reads (it is live): gone is null.
  try {
    const cls = (await el.getAttribute('class', { timeout: 1000 })) ?? '';
    const count = Number(((await el.locator('[aria-hidden="true"]').textContent({ timeout: 1000 })) ?? '').trim());
    return { count, tone: /nav-badge-bad/.test(cls) ? 'bad' : /nav-badge-warn/.test(cls) ? 'warn' : cls };
  } catch {
    if ((await el.count()) === 0) return null;
    throw new Error('the alert badge is there but cannot be read');
  }
}

/** Marks the document; a reload or full navigation loses the mark. */
async function markDocument(page) {
  await page.evaluate(() => {
    window.__rmgrAlertsNoReload = true;
  });
}
async function assertNotReloaded(page, what) {
  assert.equal(await page.evaluate(() => window.__rmgrAlertsNoReload === true), true, `${what} arrived without a reload`);
}

/** Runs the schedule now through REST and waits for its (one) job to finish. */
async function runScheduleNow() {
  const run = await h.admin.post(`/schedules/${state.scheduleId}/run`, {});
  assert.equal(run.jobs.length, 1, 'one job for the one source group');
  return h.admin.waitJob(run.jobs[0].id);
}

before(async () => {
  await h.start();
  const src = path.join(h.tmp, 'src');
  await fsp.mkdir(src, { recursive: true });
  await fsp.writeFile(path.join(src, 'note.txt'), 'protect me\n');

  ({ hostId: state.hostId } = await h.addAgentViaApi(names.host));
  const host = await h.admin.get(`/hosts/${state.hostId}`);
  names.host = host.name;
  // Never initialised: a backup into it fails (repository_missing) until the fix step.
  const repo = await h.admin.post('/repositories', {
    name: names.repo,
    url: path.join(h.tmp, 'repo'),
    password: 'e2e alert repository password',
  });
  state.repoId = repo.id;
  const group = await h.admin.post('/source-groups', { host_id: state.hostId, name: names.group, paths: [src] });
  const schedule = await h.admin.post('/schedules', {
    host_id: state.hostId,
    name: names.schedule,
    kind: 'backup',
    cron: '0 3 * * *',
    repository_id: state.repoId,
    source_group_ids: [group.id],
  });
  state.scheduleId = schedule.id;
  const operator = await h.admin.post('/users', { username: names.operator, password: names.password, role: 'operator' });
  state.operatorId = operator.id;
  await h.admin.post('/users', { username: names.viewer, password: names.password, role: 'viewer' });

  webhook = await startWebhookSink();
  await h.admin.post('/notification-channels', {
    name: 'e2e webhook',
    kind: 'webhook',
    url: webhook.url,
  });

  for (const who of ['operator', 'admin', 'viewer']) ({ page: pages[who] } = await h.newPage(`alerts-${who}`));
});

after(async () => {
  await h.stop();
  if (webhook) await webhook.close();
});

const step = (name, who, fn, opts) => h.step(name, () => pages[who], fn, opts);

const deviations = [];
/** A control whose accessible name is not exactly its label: noted, and the last test fails. */
function deviation(text) {
  if (!deviations.includes(text)) deviations.push(text);
}

step('1. an admin makes job_failed critical on the rules page; a refused value is named at its field', 'admin', async (page) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await navigate(page, 'Alerts');
  await page.getByRole('link', { name: 'Rules', exact: true }).click();
  await waitHeading(page, 'Alert rules');
  const card = page.getByTestId('rule-job_failed');
  await card.waitFor();
  for (const kind of ['host_unprotected', 'host_offline', 'repository_locked', 'agent_outdated']) {
    assert.equal(await page.getByTestId(`rule-${kind}`).count(), 1, `the rules page shows ${kind}`);
  }
  await h.shot(page, 'rules');

  // More than the server allows (a month): refused, and the message sits at the field.
  const remind = await field(card, 'Remind every (minutes)', deviation);
  await remind.fill('99999');
  await card.getByRole('button', { name: 'Save Job failed', exact: true }).click();
  const fieldError = card.locator('.field-error');
  await fieldError.waitFor();
  assert.match((await fieldError.textContent()) ?? '', /renotify_minutes/, 'the refusal names the parameter');
  await h.shot(page, 'rules-refused');

  await remind.fill('720');
  await (await field(card, 'Severity', deviation)).selectOption('critical');
  await card.getByRole('button', { name: 'Save Job failed', exact: true }).click();
  await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const rules = await h.admin.get('/alert-rules');
  const rule = rules.items.find((r) => r.kind === 'job_failed');
  assert.equal(rule.params.severity, 'critical', 'the server keeps the new severity');
  assert.equal(rule.params.renotify_minutes, 720);
  await h.shot(page, 'rules-saved');
  await navigate(page, 'Dashboard', /dashboard/i);
  await page.getByRole('heading', { name: /^Firing alerts/ }).waitFor();
  assert.equal(await badge(page), null, 'no badge while nothing fires');
});

step('2. an operator opens the Alerts page: nothing open yet', 'operator', async (page) => {
  await signIn(page, names.operator, names.password);
  await navigate(page, 'Alerts');
  await page.getByText('Nothing is wrong: no alerts match.').waitFor();
  assert.equal(await badge(page), null, 'no badge while nothing fires');
  await h.shot(page, 'alerts-empty');
});

step('3. the viewer signs in (to see the badge later)', 'viewer', async (page) => {
  await signIn(page, names.viewer, names.password);
  await waitHeading(page, /dashboard/i);
  assert.equal(await badge(page), null);
});

step('4. a failing backup raises a critical alert live: Alerts page, badge, dashboard', 'operator', async (page) => {
  for (const p of Object.values(pages)) await markDocument(p);
  const job = await runScheduleNow();
  assert.equal(job.status, 'failed', `the backup into the uninitialised repository fails (${job.error})`);

  const row = alertRow(page);
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /Job failed/, 'the row names the kind in words');
  assert.match(text, /critical/, 'the severity the admin chose');
  assert.match(text, /firing/);
  assert.match(text, new RegExp(names.group), 'the subject names the group');
  await waitUntil('the badge to show one critical firing alert', async () => {
    const b = await badge(page);
    return b && b.count === 1 && b.tone === 'bad';
  });
  // Subject links: the host page, the schedule editor, the failed job.
  assert.equal(await row.getByRole('link', { name: `Host ${names.host}`, exact: true }).getAttribute('href'), `/hosts/${state.hostId}`);
  assert.equal(await row.getByRole('link', { name: /^schedule of / }).getAttribute('href'), `/schedules/${state.scheduleId}`);
  assert.equal(await row.getByRole('link', { name: /^job of / }).getAttribute('href'), `/jobs/${job.id}`);
  await assertNotReloaded(page, 'the alert');
  await h.shot(page, 'alert-firing');

  const listed = await h.admin.get(`/alerts?state=firing&host_id=${state.hostId}`);
  assert.equal(listed.items.length, 1, 'one firing alert for the host');
  state.alertId = listed.items[0].id;
  assert.equal(listed.items[0].kind, 'job_failed');
  assert.equal(listed.items[0].job_id, job.id);

  // The viewer's badge and the admin's dashboard, also live.
  await waitUntil("the viewer's badge", async () => (await badge(pages.viewer))?.count === 1);
  await assertNotReloaded(pages.viewer, "the viewer's badge");
  const lead = pages.admin.getByTestId('dashboard-alerts').getByRole('row').filter({ hasText: names.schedule });
  await lead.waitFor();
  await assertNotReloaded(pages.admin, 'the dashboard alert');
  await h.shot(pages.admin, 'dashboard-alert');
  // Its host link leads to the host page, which lists the host's open alerts.
  await lead.getByRole('link', { name: `Host ${names.host}`, exact: true }).click();
  await waitHeading(pages.admin, names.host);
  await pages.admin.getByTestId('host-alerts').getByRole('row').filter({ hasText: names.schedule }).waitFor();
  await h.shot(pages.admin, 'host-alert');
  await navigate(pages.admin, 'Dashboard', /dashboard/i);
  await lead.waitFor();
  // Viewers read alerts but get no actions.
  await navigate(pages.viewer, 'Alerts');
  await alertRow(pages.viewer).waitFor();
  assert.equal(await alertRow(pages.viewer).getByRole('button').count(), 0, 'no alert actions for a viewer');

  const fired = await sinkReceived('firing');
  assert.equal(fired.event, 'firing');
  assert.equal(fired.alert.id, state.alertId, 'the notice is of the alert on the page');
});

step('5. the operator acknowledges it: the row says so, the badge goes', 'operator', async (page) => {
  const row = alertRow(page);
  await row.getByRole('button', { name: /^Acknowledge / }).click();
  await waitUntil('the row to show acknowledged', async () => /acknowledged/.test(await row.innerText()));
  await waitUntil('the badge to go (nothing firing)', async () => (await badge(page)) === null);
  const alert = await h.admin.get(`/alerts/${state.alertId}`);
  assert.equal(alert.state, 'acknowledged');
  assert.equal(alert.acknowledged_by, state.operatorId, 'acknowledged by the operator');
  const audit = await h.admin.get(`/audit?action=alert.acknowledge&target_id=${state.alertId}`);
  assert.equal(audit.items.length, 1, 'the acknowledgement is audited');
  // The viewer's list follows live too.
  await waitUntil("the viewer's row to show acknowledged", async () => /acknowledged/.test(await alertRow(pages.viewer).innerText()));
  await assertNotReloaded(page, 'the acknowledgement');
  await h.shot(page, 'alert-acknowledged');
});

step('6. the operator silences it for an hour (a past custom end is refused), then unsilences it', 'operator', async (page) => {
  const row = alertRow(page);
  await row.getByRole('button', { name: /^Silence / }).click();
  const menu = row.getByRole('group', { name: /^Silence .* for$/ });
  await menu.getByLabel('Until', { exact: true }).fill('2020-01-01T00:00');
  await menu.getByRole('button', { name: 'Silence until then', exact: true }).click();
  await menu.getByRole('alert').filter({ hasText: 'The silence must end in the future.' }).waitFor();
  const before = Date.now();
  await menu.getByRole('button', { name: '1 hour', exact: true }).click();
  await waitUntil('the row to show silenced', async () => /silenced/.test(await row.innerText()));
  const silenced = await h.admin.get(`/alerts/${state.alertId}`);
  assert.equal(silenced.state, 'silenced');
  const minutes = (Date.parse(silenced.silenced_until) - before) / 60_000;
  assert.ok(minutes > 55 && minutes < 65, `silenced for about an hour (${minutes} min)`);
  await h.shot(page, 'alert-silenced');
  await row.getByRole('button', { name: /^Unsilence / }).click();
  await waitUntil('the row to show acknowledged again', async () => /acknowledged/.test(await row.innerText()));
  assert.equal((await h.admin.get(`/alerts/${state.alertId}`)).state, 'acknowledged', 'unsilenced: back to acknowledged');
});

step('7. the cause is fixed (repository initialised, backup succeeds): the alert shows resolved, live', 'operator', async (page) => {
  const init = await h.admin.post('/jobs', { host_id: state.hostId, kind: 'init', repository_id: state.repoId });
  assert.equal((await h.admin.waitJob(init.id)).status, 'succeeded', 'restic init');
  const job = await runScheduleNow();
  assert.equal(job.status, 'succeeded', `the backup succeeds now (${job.error})`);

  const row = alertRow(page);
  await waitUntil('the row to show resolved', async () => /resolved/.test(await row.innerText()));
  assert.equal(await row.getByRole('button').count(), 0, 'no actions on a resolved alert');
  await assertNotReloaded(page, 'the resolution');
  const alert = await h.admin.get(`/alerts/${state.alertId}`);
  assert.equal(alert.state, 'resolved');
  assert.ok(alert.resolved_at, 'resolved_at is set');
  await h.shot(page, 'alert-resolved');
  // The dashboard drops it live.
  await waitUntil('the dashboard to list no firing alert', async () =>
    (await pages.admin.getByText('No alerts firing.').count()) > 0,
  );

  // The Resolved tab lists it; the Open tab (loaded again) no longer does.
  await page.getByRole('navigation', { name: 'Alert states' }).getByRole('link', { name: /^Resolved/ }).click();
  await alertRow(page).waitFor();
  assert.match(await alertRow(page).innerText(), /resolved/);
  await page.getByRole('navigation', { name: 'Alert states' }).getByRole('link', { name: /^Open/ }).click();
  await page.getByText('Nothing is wrong: no alerts match.').waitFor();
  await h.shot(page, 'alerts-open-empty');

  const resolved = await sinkReceived('resolved');
  assert.equal(resolved.event, 'resolved');
  assert.equal(
    webhook.bodies.filter((b) => b.alert && b.alert.kind === 'job_failed' && b.event === 'firing').length,
    1,
    'one firing notice for the one alert',
  );
});

test('no contract deviations were seen', () => {
  assert.deepEqual(deviations, []);
});
