// How the server serves the UI, over plain HTTP: the shell with its CSP and
// no-cache, hashed assets cached forever with a JavaScript type, deep links
// answered by the shell, and the API never falling back to HTML.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness } from './harness.mjs';

const h = new Harness('serving');
let indexHtml = '';

before(async () => {
  await h.start({ browser: false });
});

after(async () => {
  await h.stop();
});

const get = (urlPath, headers = {}) => fetch(`${h.base}${urlPath}`, { headers, redirect: 'manual' });

/** The script and stylesheet URLs index.html references under /assets/. */
function assetUrls(html) {
  const urls = [];
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) urls.push(m[1]);
  return urls;
}

test('/ answers the SPA shell with a CSP and no-cache', async () => {
  const res = await get('/', { accept: 'text/html' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html\b/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.ok(csp.length > 0, 'a Content-Security-Policy header');
  assert.match(csp, /\b(default-src|script-src)\b/, `the CSP restricts scripts: ${csp}`);
  assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, `no inline scripts allowed: ${csp}`);
  assert.match(res.headers.get('cache-control') ?? '', /\bno-cache\b/);
  assert.match(res.headers.get('strict-transport-security') ?? '', /\bmax-age=\d+/, 'served over TLS, with HSTS');
  indexHtml = await res.text();
  assert.match(indexHtml, /<!doctype html>/i);
  assert.ok(assetUrls(indexHtml).some((u) => u.endsWith('.js')), `index.html loads a script from /assets/: ${indexHtml}`);
});

test('/index.html is the same shell', async () => {
  const res = await get('/index.html');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html\b/);
  assert.equal(await res.text(), indexHtml || (await (await get('/')).text()));
});

test('hashed /assets/*.js are immutable JavaScript', async () => {
  const html = indexHtml || (await (await get('/')).text());
  const scripts = assetUrls(html).filter((u) => u.endsWith('.js'));
  assert.ok(scripts.length > 0, 'index.html references a script');
  for (const url of assetUrls(html)) {
    const res = await get(url);
    assert.equal(res.status, 200, url);
    const cache = res.headers.get('cache-control') ?? '';
    assert.match(cache, /\bimmutable\b/, `${url} cache-control: ${cache}`);
    assert.match(cache, /\bmax-age=\d{6,}\b/, `${url} is cached long: ${cache}`);
    const type = res.headers.get('content-type') ?? '';
    if (url.endsWith('.js')) assert.match(type, /^(text|application)\/javascript\b/, `${url} content-type: ${type}`);
    if (url.endsWith('.css')) assert.match(type, /^text\/css\b/, `${url} content-type: ${type}`);
    const body = await res.arrayBuffer();
    assert.ok(body.byteLength > 0, `${url} has a body`);
  }
});

test('a deep link answers the shell (client-side routing)', async () => {
  for (const url of ['/hosts/xyz', '/jobs/abc', '/schedules/new?host_id=1', '/snapshots']) {
    const res = await get(url, { accept: 'text/html' });
    assert.equal(res.status, 200, url);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html\b/, url);
    assert.equal(await res.text(), indexHtml || (await (await get('/')).text()), `${url} is index.html`);
  }
});

test('a missing asset is a 404, not the shell', async () => {
  const res = await get('/assets/does-not-exist-0000.js');
  assert.equal(res.status, 404);
  assert.doesNotMatch(await res.text(), /<!doctype html>/i);
});

test('an unknown API path is a JSON 404, never HTML', async () => {
  for (const url of ['/api/v1/nope', '/api/v1/hosts/xyz/nope', '/api/nope']) {
    const res = await get(url, { accept: 'text/html' });
    assert.equal(res.status, 404, url);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/, url);
    const body = await res.json();
    assert.equal(body.error?.code, 'not_found', `${url}: ${JSON.stringify(body)}`);
  }
});

test('the API still answers JSON beside the UI', async () => {
  const res = await get('/api/v1/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/);
  const unauth = await get('/api/v1/hosts');
  assert.equal(unauth.status, 401);
  assert.match(unauth.headers.get('content-type') ?? '', /^application\/json\b/);
});
