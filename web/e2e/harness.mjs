// The end-to-end harness: a real restic-manager server (and, where a test
// asks, a real agent running the real restic) on 127.0.0.1, driven through
// headless Chromium by playwright-core.
//
// One Harness per test file: it owns a temporary directory, the processes it
// spawns (each in its own process group, stopped by pid in stop() and, as a
// last resort, when the test process exits) and one browser. Every page gets a
// fresh browser context; screenshots, page dumps on failure, browser console
// errors and the server/agent output land in RMGR_E2E_OUT (default
// web/e2e/output/).
//
// Run: cd web && npm run e2e (or `node --test e2e/`), with the binaries from
// RMGR_SERVER_BIN / RMGR_AGENT_BIN / RMGR_CLI_BIN (default build/debug/...),
// RMGR_WEB_ROOT to serve a dist directory instead of the embedded UI, and
// RMGR_E2E_KEEP=1 to keep the temporary directory.

import http from 'node:http';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (web/e2e/../..). */
export const repoRoot = path.resolve(here, '..', '..');

// The suite runs over HTTPS, as a fleet would: every server is started with
// --tls-self-signed on 127.0.0.1. The harness's own fetches cannot pin a
// certificate that does not exist yet when Node starts (NODE_EXTRA_CA_CERTS
// is read once), so they skip verification; instead Harness.start compares the
// certificate the server presents with the fingerprint it publishes and the
// agents pin, and Chromium is told to accept it (ignoreHTTPSErrors). Only
// 127.0.0.1 is ever reached.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

/** The `sha256:<hex>` fingerprint of the certificate a TLS server on 127.0.0.1:`port` presents. */
export function presentedFingerprint(port) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const hex = socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
      socket.end();
      resolve(`sha256:${hex}`);
    });
    socket.on('error', reject);
  });
}

function fromEnv(name, fallback) {
  const value = process.env[name];
  if (!value) return fallback;
  return path.isAbsolute(value) ? value : path.resolve(process.cwd(), value);
}

/** The binaries under test; the ctest target passes the ones it just built. */
export const bins = {
  server: fromEnv('RMGR_SERVER_BIN', path.join(repoRoot, 'build/debug/server/restic-manager-server')),
  agent: fromEnv('RMGR_AGENT_BIN', path.join(repoRoot, 'build/debug/agent/app/restic-manager-agent')),
  cli: fromEnv('RMGR_CLI_BIN', path.join(repoRoot, 'build/debug/cli/restic-manager')),
  restic: process.env.RMGR_RESTIC_BIN || '/usr/bin/restic',
  chromium: process.env.RMGR_CHROMIUM || '/usr/bin/chromium',
};

/** Where screenshots, page dumps and process logs go. */
export const outDir = fromEnv('RMGR_E2E_OUT', path.join(here, 'output'));

/** Served from disk when set (the server's --web-root), else the embedded UI. */
export const webRoot = fromEnv('RMGR_WEB_ROOT', '');

export const ADMIN_PASSWORD = 'e2e-admin-password-' + randomBytes(6).toString('hex');

// Bounded waits: generous, because CI machines are small and the debug build
// runs under ASan.
export const TIMEOUT = {
  server: 90_000,
  ui: 45_000,
  online: 90_000,
  job: 180_000,
};

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// Process groups still alive; killed if the test process goes away early.
const liveGroups = new Set();
function killLiveGroups() {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killLiveGroups);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killLiveGroups();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

// Throws when a process the tests depend on has died, so waits end at once.
let processCheck = null;

/** Polls `fn` until it returns a truthy value; throws naming `what` on timeout. */
export async function waitUntil(what, fn, { timeout = TIMEOUT.ui, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    processCheck?.();
    try {
      const value = await fn();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`);
    }
    await delay(interval);
  }
}

/** A TCP port nothing listens on right now (the kernel's pick on 127.0.0.1). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tail(file, bytes = 16 * 1024) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > bytes ? `[... ${text.length - bytes} bytes left out ...]\n${text.slice(-bytes)}` : text;
  } catch {
    return '';
  }
}

function childEnv(home, tmp) {
  const env = { PATH: '/usr/bin:/bin', HOME: home, TMPDIR: tmp, LANG: 'C.UTF-8' };
  for (const key of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS', 'TSAN_OPTIONS']) {
    if (process.env[key]) env[key] = process.env[key];
  }
  return env;
}

/** A child process in its own process group with stdout+stderr in `log`. */
class Child {
  constructor(name, file, args, { env, log }) {
    this.name = name;
    this.log = log;
    const fd = fs.openSync(log, 'a');
    fs.writeSync(fd, `$ ${file} ${args.join(' ')}\n`);
    this.process = spawn(file, args, { env, detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.pid = this.process.pid;
    this.exitCode = null;
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? `signal ${signal}` : null);
        liveGroups.delete(this.pid);
        resolve(this.exitCode);
      });
      this.process.on('error', (error) => {
        this.exitCode = `spawn error: ${error.message}`;
        liveGroups.delete(this.pid);
        resolve(this.exitCode);
      });
    });
    if (this.pid) liveGroups.add(this.pid);
  }

  get running() {
    return this.exitCode === null;
  }

  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves to the exit code. */
  async stop(graceMs = 30_000) {
    if (!this.running || !this.pid) return this.exitCode;
    try {
      process.kill(-this.pid, 'SIGTERM');
    } catch {
      return this.exitCode;
    }
    const timer = delay(graceMs, undefined, { ref: false }).then(() => 'timeout');
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      await this.exited;
      return `killed after ${graceMs} ms (${this.exitCode})`;
    }
    return this.exitCode;
  }
}

/** Runs a command to its end (own process group, bounded); output appended to `log`. */
export async function runToEnd(name, file, args, { env, log, timeout = 120_000 }) {
  const child = new Child(name, file, args, { env, log });
  const timer = delay(timeout, undefined, { ref: false }).then(() => 'timeout');
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    await child.stop(1000);
    throw new Error(`${name} did not finish within ${timeout} ms\n${tail(log)}`);
  }
  return { code: child.exitCode, output: tail(log) };
}

/** A REST client with a session (cookie + CSRF) or a bearer token. */
export class Api {
  constructor(base) {
    this.base = base;
    this.cookie = '';
    this.csrf = '';
    this.token = '';
  }

  async login(username, password) {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await res.json().catch(() => null);
    if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${JSON.stringify(body)}`);
    const cookies =
      typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [res.headers.get('set-cookie')];
    this.cookie = cookies
      .filter(Boolean)
      .map((c) => c.split(';')[0])
      .join('; ');
    this.csrf = body.csrf_token;
    return body;
  }

  async request(method, urlPath, body) {
    const headers = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    else if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET' && method !== 'HEAD' && this.csrf && !this.token) headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}/api/v1${urlPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON; the caller sees text
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** `request` that insists on `expect` and answers the JSON body. */
  async must(method, urlPath, body, expect) {
    const r = await this.request(method, urlPath, body);
    const want = expect ?? (method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200);
    if (r.status !== want) throw new Error(`${method} ${urlPath}: expected ${want}, got ${r.status} ${r.text}`);
    return r.json;
  }

  get(urlPath) {
    return this.must('GET', urlPath);
  }

  post(urlPath, body, expect) {
    return this.must('POST', urlPath, body, expect);
  }

  /** Polls a job until it is final (anything but queued/dispatched/running). */
  async waitJob(id, timeout = TIMEOUT.job) {
    let job;
    await waitUntil(
      `job ${id} to finish (last: ${JSON.stringify(job?.status)})`,
      async () => {
        job = await this.get(`/jobs/${id}`);
        return !['queued', 'dispatched', 'running'].includes(job.status);
      },
      { timeout, interval: 500 },
    );
    return job;
  }
}

/** Writes `bytes` random bytes to `file` in 1 MiB chunks. */
export async function writeRandomFile(file, bytes) {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const handle = await fsp.open(file, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const chunk = randomBytes(Math.min(1 << 20, bytes - written));
      await handle.write(chunk);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
}

/** Parses `restic-manager-agent enroll --server URL --token TOKEN [--fingerprint F]` as shown by the UI. */
export function parseEnrollCommand(text) {
  const words = text.trim().split(/\s+/);
  const value = (flag) => {
    const at = words.indexOf(flag);
    if (at >= 0 && at + 1 < words.length) return words[at + 1];
    const joined = words.find((w) => w.startsWith(`${flag}=`));
    return joined ? joined.slice(flag.length + 1) : undefined;
  };
  const unquote = (s) => s?.replace(/^['"]|['"]$/g, '');
  return {
    program: words[0],
    subcommand: words[1],
    server: unquote(value('--server')),
    token: unquote(value('--token')),
    fingerprint: unquote(value('--fingerprint')),
  };
}

/**
 * A webhook sink on 127.0.0.1 for notification tests: every body a channel
 * POSTs to it, parsed as JSON (or kept as `{unparsed}`). Returns
 * `{url, bodies, close()}`.
 */
export async function startWebhookSink() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      try {
        bodies.push(JSON.parse(text));
      } catch {
        bodies.push({ unparsed: text });
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    bodies,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export class Harness {
  /** `tag` prefixes every artifact name (screenshots, logs) of this test file. */
  /** `serverArgs`: extra flags for the server (e.g. a short --alert-interval). */
  constructor(tag, { serverArgs = [] } = {}) {
    this.tag = tag;
    this.serverArgs = serverArgs;
    this.tmp = '';
    this.port = 0;
    this.base = '';
    this.fingerprint = '';
    this.server = null;
    this.agents = [];
    this.browser = null;
    this.contexts = [];
    this.shotCount = 0;
    this.cspViolations = [];
    this.consoleErrors = [];
    this.pageErrors = [];
    this.failed = false;
    this.admin = null;
  }

  artifact(name) {
    return path.join(outDir, `${this.tag}-${name}`);
  }

  /** Temp dir, server (waits for /readyz), admin REST session, browser. */
  async start({ browser = true } = {}) {
    await fsp.mkdir(outDir, { recursive: true });
    for (const entry of await fsp.readdir(outDir)) {
      if (entry.startsWith(`${this.tag}-`)) await fsp.rm(path.join(outDir, entry), { force: true, recursive: true });
    }
    // realpath: restic records absolute paths, and the restore lands under them.
    this.tmp = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), `rmgr-e2e-${this.tag}-`)));
    for (const [what, file] of [['server', bins.server]]) {
      if (!fs.existsSync(file)) throw new Error(`${what} binary not found at ${file} (set RMGR_SERVER_BIN)`);
    }
    await this.startServer();
    processCheck = () => {
      if (!this.server.running) throw new Error(`the server died (${this.server.exitCode}):\n${tail(this.server.log, 4096)}`);
    };
    this.admin = new Api(this.base);
    await this.admin.login('admin', ADMIN_PASSWORD);
    const served = await this.admin.get('/server/tls');
    this.fingerprint = await presentedFingerprint(this.port);
    if (!served.tls || served.fingerprint !== this.fingerprint) {
      throw new Error(`the server presents ${this.fingerprint} but publishes ${JSON.stringify(served)}`);
    }
    if (browser) {
      this.browser = await chromium.launch({ executablePath: bins.chromium, args: CHROMIUM_ARGS });
    }
  }

  async startServer() {
    this.port = await freePort();
    this.base = `https://127.0.0.1:${this.port}`;
    const args = ['--listen', `127.0.0.1:${this.port}`, '--data-dir', path.join(this.tmp, 'data'), '--tls-self-signed'];
    if (webRoot) args.push('--web-root', webRoot);
    args.push(...this.serverArgs);
    const env = { ...childEnv(this.tmp, this.tmp), RESTIC_MANAGER_ADMIN_PASSWORD: ADMIN_PASSWORD };
    this.server = new Child('server', bins.server, args, { env, log: this.artifact('server.log') });
    await waitUntil(
      `the server to answer /readyz on ${this.base}`,
      async () => {
        if (!this.server.running) {
          throw new Error(`server exited (${this.server.exitCode}):\n${tail(this.server.log)}`);
        }
        const res = await fetch(`${this.base}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      { timeout: TIMEOUT.server, interval: 200 },
    );
    if (!this.server.running) throw new Error(`server exited:\n${tail(this.server.log)}`);
  }

  /** Runs the agent's enroll subcommand with `--state-dir`; throws unless it exits 0. */
  async enrollAgent({ server, token, fingerprint = this.fingerprint }, stateDir) {
    if (!fs.existsSync(bins.agent)) throw new Error(`agent binary not found at ${bins.agent} (set RMGR_AGENT_BIN)`);
    const log = this.artifact(`agent-enroll-${path.basename(stateDir)}.log`);
    const args = ['enroll', '--server', server, '--token', token, '--state-dir', stateDir];
    if (fingerprint) args.push('--fingerprint', fingerprint);
    const r = await runToEnd('agent enroll', bins.agent, args, { env: childEnv(this.tmp, this.tmp), log });
    if (r.code !== 0) throw new Error(`agent enroll exited ${r.code}:\n${r.output}`);
    return JSON.parse(await fsp.readFile(path.join(stateDir, 'agent.json'), 'utf8'));
  }

  /**
   * A restic wrapper whose uploads are limited to `kib` KiB/s, so a backup
   * lasts long enough for its progress to be watched; returns its path.
   */
  async throttledRestic(kib) {
    const wrapper = path.join(this.tmp, `restic-limit-${kib}`);
    await fsp.writeFile(wrapper, `#!/bin/sh\nexec ${bins.restic} --limit-upload ${kib} "$@"\n`, { mode: 0o755 });
    return wrapper;
  }

  /** Starts `restic-manager-agent run` on an enrolled state dir (with `restic`, default the real one). */
  startAgent(stateDir, restic = bins.restic) {
    const args = [
      'run',
      '--state-dir',
      stateDir,
      '--restic',
      restic,
      '--reconnect-max',
      '2',
      '--shutdown-grace',
      '5',
      '--cancel-grace',
      '10',
      // Restores in the tests go below the test's own directory (flow.test.mjs restores into tmp/restore).
      '--restore-root',
      this.tmp,
    ];
    const agent = new Child('agent', bins.agent, args, {
      env: childEnv(stateDir, this.tmp),
      log: this.artifact(`agent-${path.basename(stateDir)}.log`),
    });
    this.agents.push(agent);
    return agent;
  }

  /** Enrolls an agent through REST (enrollment token) and starts it; waits until connected. */
  async addAgentViaApi(name) {
    const created = await this.admin.post('/enrollment-tokens', { name });
    const stateDir = path.join(this.tmp, `agent-${name}`);
    const state = await this.enrollAgent({ server: this.base, token: created.token }, stateDir);
    this.startAgent(stateDir);
    await this.waitConnected(state.host_id);
    return { hostId: state.host_id, stateDir };
  }

  async waitConnected(hostId, timeout = TIMEOUT.online) {
    await waitUntil(`host ${hostId} to be connected`, async () => (await this.admin.get(`/hosts/${hostId}`)).connected, {
      timeout,
      interval: 500,
    });
  }

  /** A fresh browser context and page, with console/CSP/page-error capture. */
  async newPage(label = 'page') {
    const context = await this.browser.newContext({
      baseURL: this.base,
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(TIMEOUT.ui);
    context.setDefaultNavigationTimeout(TIMEOUT.ui);
    this.contexts.push(context);
    // securitypolicyviolation events, reported back through a CDP binding
    // (neither is subject to the page's CSP).
    await context.exposeBinding('__rmgrE2eCsp', (_source, report) => {
      this.cspViolations.push({ label, ...report });
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        // eslint-disable-next-line no-undef
        window.__rmgrE2eCsp({
          directive: e.violatedDirective,
          blocked: e.blockedURI,
          source: e.sourceFile,
          line: e.lineNumber,
          sample: e.sample,
        });
      });
    });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      const text = msg.text();
      const entry = { label, type: msg.type(), text, url: page.url() };
      if (/Content Security Policy/i.test(text)) this.cspViolations.push({ label, console: text, url: page.url() });
      if (msg.type() === 'error') this.consoleErrors.push(entry);
    });
    page.on('pageerror', (error) => {
      this.pageErrors.push({ label, message: String(error?.stack || error), url: page.url() });
    });
    return { context, page };
  }

  /** Full-page PNG named `<tag>-<nn>-<name>.png`. */
  async shot(page, name) {
    this.shotCount += 1;
    const file = this.artifact(`${String(this.shotCount).padStart(2, '0')}-${name}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled', timeout: TIMEOUT.ui });
    } catch (error) {
      fs.writeFileSync(`${file}.error.txt`, String(error));
    }
    return file;
  }

  /** Screenshot + HTML of `page` after a failure, named after the step. */
  async dumpFailure(page, name, error) {
    if (!page || page.isClosed()) return;
    const safe = name.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 80);
    await this.shot(page, `FAILED-${safe}`);
    try {
      const html = await page.content();
      const why = String(error?.message || error).replace(/--/g, '- -');
      fs.writeFileSync(this.artifact(`FAILED-${safe}.html`), `<!-- url: ${page.url()} -->\n<!-- ${why} -->\n${html}`);
    } catch (e) {
      fs.writeFileSync(this.artifact(`FAILED-${safe}.html.error.txt`), String(e));
    }
  }

  /** Throws if any CSP violation was seen so far. */
  assertNoCspViolations() {
    if (this.cspViolations.length > 0) {
      throw new Error(`CSP violations:\n${JSON.stringify(this.cspViolations, null, 2)}`);
    }
  }

  /**
   * A browser test: a fresh context and page, artifacts on failure, and a
   * failure if the page triggered a CSP violation.
   */
  browserTest(name, fn, { timeout = 300_000 } = {}) {
    test(name, { timeout }, async (t) => {
      const { context, page } = await this.newPage(name);
      try {
        await fn(page, t);
        this.assertNoCspViolations();
      } catch (error) {
        await this.dumpFailure(page, name, error);
        throw this.withProcessState(error);
      } finally {
        await context.close().catch(() => {});
      }
    });
  }

  /**
   * One step of a sequential flow on a shared `page()` (the page is made by
   * the caller in a before hook): later steps are skipped once one fails.
   */
  step(name, getPage, fn, { timeout = 300_000 } = {}) {
    test(name, { timeout }, async (t) => {
      if (this.failed) {
        t.skip('an earlier step failed');
        return;
      }
      const page = getPage();
      try {
        await fn(page, t);
        this.assertNoCspViolations();
      } catch (error) {
        this.failed = true;
        await this.dumpFailure(page, name, error);
        throw this.withProcessState(error);
      }
    });
  }

  /** `error` with a note about processes that died meanwhile (their log tails). */
  withProcessState(error) {
    const dead = [this.server, ...this.agents].filter((c) => c && !c.running);
    if (dead.length === 0 || !(error instanceof Error) || /the server died/.test(error.message)) return error;
    error.message += dead.map((c) => `\n\n${c.name} (pid ${c.pid}) exited: ${c.exitCode}\n${tail(c.log, 4096)}`).join('');
    return error;
  }

  /** Closes the browser, stops agents then server (by pid), writes the browser report, removes the temp dir. */
  async stop() {
    processCheck = null;
    for (const context of this.contexts) await context.close().catch(() => {});
    if (this.browser) await this.browser.close().catch(() => {});
    const report = { cspViolations: this.cspViolations, consoleErrors: this.consoleErrors, pageErrors: this.pageErrors };
    if (this.tmp) fs.writeFileSync(this.artifact('browser-report.json'), JSON.stringify(report, null, 2));
    const exits = {};
    for (const agent of this.agents) exits[`agent ${agent.pid}`] = await agent.stop(30_000);
    if (this.server) exits.server = await this.server.stop(30_000);
    for (const [who, code] of Object.entries(exits)) {
      if (code !== 0) console.log(`# warning: ${who} exit status after SIGTERM: ${code} (see ${outDir})`);
    }
    if (this.tmp && !process.env.RMGR_E2E_KEEP) await fsp.rm(this.tmp, { recursive: true, force: true });
    else if (this.tmp) console.log(`# kept ${this.tmp}`);
    return exits;
  }
}
