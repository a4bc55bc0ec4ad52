#!/usr/bin/env node
// SPDX-License-Identifier: BSD-2-Clause
//
// The admin page end to end, in Debian's headless Chromium (playwright-core,
// never a downloaded browser): rbld is started here on loopback ports with a
// local source, a reports source and a file:// feed; the test signs in as a
// person would and checks every view against DNS (dig) and the API. Any page
// error, failed request or console error fails it; axe-core checks each view
// for serious and critical accessibility findings. With RBLD_SCREENSHOTS=DIR
// it saves screenshots of the dashboard and of a lookup (desktop and phone).
//
// Environment: RBLD_BIN, RBLD_WEB (default ../../web), CHROMIUM (default
// /usr/bin/chromium), RBLD_KEEP_TMP=1. Ends with "N passed, M failed".
'use strict';

let chromium;
try {
  ({ chromium } = require('playwright-core'));
  require.resolve('axe-core/axe.min.js');
} catch (e) {
  console.log('FAIL: playwright-core or axe-core is missing: npm ci --prefix tests/web');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const HERE = __dirname;
const TOP = path.resolve(HERE, '..', '..');
const RBLD = process.env.RBLD_BIN || path.join(TOP, 'build', 'rbld');
const WEB = process.env.RBLD_WEB || path.join(TOP, 'web');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HOST = '127.0.0.1';
const ZONE = 'bl.test';
const HOSTILE = '<img src=x onerror=alert(1)>';

let passed = 0;
let failed = 0;

function check(ok, what) {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  return ok;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, HOST, () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Until FN() is true (at most MS): true if it became so.
async function until(fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if (await fn()) return true; } catch (e) { /* not yet */ }
    await sleep(200);
  }
  return false;
}

// What rbld answers for NAME's A record: the addresses, [] for none.
function dig(port, name) {
  const out = execFileSync('dig', ['+short', '+time=2', '+tries=2', '@' + HOST, '-p',
    String(port), name, 'A'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l));
}

const qname = (ip) => ip.split('.').reverse().join('.') + '.' + ZONE;

async function startRbld(dir, dnsPort, apiPort) {
  fs.writeFileSync(path.join(dir, 'feed.txt'), '45.77.88.0/24\n');
  const conf = [
    '[rbld]', `database = ${dir}/db`, `dns = ${HOST}:${dnsPort}`, `api = ${HOST}:${apiPort}`,
    `web = ${WEB}`, 'hits = 1000', '',
    `[zone ${ZONE}]`, 'sources = local reports drop', '',
    '[source local]', 'kind = local', 'txt = Listed locally: $', '',
    '[source reports]', 'kind = reports', 'a = 127.0.0.3', 'txt = Reported: $',
    'failed-login = 2 in 10m ban 1h', '',
    '[source drop]', 'kind = feed', `url = file://${dir}/feed.txt`, 'format = plain',
    'every = 1h', 'a = 127.0.0.4', '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'rbld.conf'), conf, { mode: 0o600 });
  const p = spawn(RBLD, ['-c', path.join(dir, 'rbld.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  p.stdout.on('data', (d) => { log += d; });
  p.stderr.on('data', (d) => { log += d; });
  const ok = await until(() => /rbld .* ready/.test(log) && /feed drop: /.test(log), 20000);
  const m = /admin token "admin": (rbld_[0-9a-f]+)/.exec(log);
  if (!ok || !m) throw new Error('rbld did not start:\n' + log);
  return { proc: p, token: m[1], log: () => log };
}

async function apiCall(apiPort, token, method, p, body) {
  const r = await fetch(`http://${HOST}:${apiPort}${p}`, {
    method, headers: Object.assign({ Authorization: 'Bearer ' + token },
      body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json().catch(() => null), headers: r.headers };
}

// GET RAWPATH as sent (no URL normalisation): [status, headers, body].
function rawGet(port, rawPath, headers) {
  return new Promise((resolve, reject) => {
    const q = require('http').request({ host: HOST, port, path: rawPath, headers },
      (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve([res.statusCode, res.headers, b]));
      });
    q.on('error', reject);
    q.end();
  });
}

// The file server: types, validators, and nothing outside web/.
async function staticFiles(apiPort) {
  let [st, h] = await rawGet(apiPort, '/app.js');
  check(st === 200 && h['content-type'] === 'text/javascript; charset=utf-8' && h.etag &&
    h['last-modified'] && h['x-content-type-options'] === 'nosniff',
  'app.js: its type, an ETag, Last-Modified, nosniff');
  [st] = await rawGet(apiPort, '/app.js', { 'If-None-Match': h.etag });
  check(st === 304, 'a current copy gets 304');
  const bad = ['/../rbld.conf', '/%2e%2e/rbld.conf', '/..%2frbld.conf', '/%2e%2e%2frbld.conf',
    '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', '/.%2e/rbld.conf', '/index.html%00.js', '/..',
    '/%2e', '/.git', '/web/index.html', '//etc/passwd'];
  const got = [];
  for (const p of bad) {
    const [s, , b] = await rawGet(apiPort, p);
    if (s !== 404 && s !== 400) got.push(`${p}: ${s}`);
    if (/\[rbld\]|root:/.test(b)) got.push(`${p}: leaked`);
  }
  check(got.length === 0, `no path out of web/, percent-encoded or not (${bad.length} tried)` +
    (got.length ? ': ' + got.join(', ') : ''));
}

// axe-core on the page as it is: the serious and critical findings.
async function axeFindings(page, axeSource) {
  // evaluate runs outside the page's CSP, which would refuse an injected script.
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function main() {
  for (const [what, p] of [['rbld', RBLD], ['chromium', CHROMIUM]]) {
    if (!fs.existsSync(p)) {
      console.log(`FAIL: ${what} is missing at ${p}`);
      console.log('0 passed, 1 failed');
      return 1;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbld-web.'));
  const dnsPort = await freePort();
  const apiPort = await freePort();
  const base = `http://${HOST}:${apiPort}`;
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const shots = process.env.RBLD_SCREENSHOTS;
  let rbld = null;
  let browser = null;
  const problems = [];
  let expectAuthErrors = false;

  try {
    rbld = await startRbld(dir, dnsPort, apiPort);
    const T = rbld.token;
    // Data: a hand-made entry with hostile text, and the feed's list.
    let r = await apiCall(apiPort, T, 'POST', '/v1/entries', {
      prefix: '198.51.100.0/24', source: 'local', reason: HOSTILE });
    check(r.status === 201, 'an entry with a hostile reason, added over the API');
    check(dig(dnsPort, qname('45.77.88.9')).includes('127.0.0.4'), 'the feed lists 45.77.88.9');

    await staticFiles(apiPort);
    browser = await chromium.launch({ executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('requestfailed', (q) => problems.push(`failed request: ${q.url()} ` +
      (q.failure() ? q.failure().errorText : '')));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // The requests the test makes to be refused (a wrong token, a bad
      // prefix) are logged by Chromium; nothing else may be.
      if (expectAuthErrors && /status of 40[01]/.test(m.text())) return;
      problems.push('console error: ' + m.text());
    });
    let alerts = 0;
    page.on('dialog', (d) => { alerts++; d.dismiss(); });

    // ---- signing in ----
    const resp = await page.goto(base + '/');
    const csp = resp.headers()['content-security-policy'] || '';
    check(resp.status() === 200 && /script-src 'self'/.test(csp) &&
      /frame-ancestors 'none'/.test(csp) && !resp.headers()['access-control-allow-origin'],
    'the page comes with a CSP of its own origin, frame denial and no CORS');
    await page.waitForSelector('#token');
    check(await page.evaluate(() => document.activeElement.id) === 'token',
      'the token field has the focus');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: sign-in view clean');
    expectAuthErrors = true;
    await page.fill('#token', 'rbld_0000000000000000000000000000000000000000');
    await page.press('#token', 'Enter');
    await page.waitForSelector('#signin-error:not([hidden])');
    check(/not valid/.test(await page.textContent('#signin-error')),
      'a wrong token is explained: ' + await page.textContent('#signin-error'));
    expectAuthErrors = false;
    await page.fill('#token', T);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#nav:not([hidden])');
    check(await page.evaluate(() => sessionStorage.getItem('rbld-token') !== null &&
      document.cookie === '' && !location.href.includes('rbld_')),
    'the token is kept in sessionStorage, not in a cookie or the URL');
    check(await page.evaluate(() => document.activeElement.id) === 'lookup-ip',
      'after sign-in the lookup field has the focus');
    check(/admin/.test(await page.textContent('#who-name')), 'the role is shown');

    // ---- lookup ----
    await page.fill('#lookup-ip', '198.51.100.7');
    await page.press('#lookup-ip', 'Enter');
    await page.waitForSelector('#lookup-result table');
    const text = await page.textContent('#lookup-result');
    check(/198\.51\.100\.7 is listed in bl\.test/.test(text) && /local/.test(text) &&
      /Listed locally: 198\.51\.100\.7/.test(text), 'a listed address: zone, source and TXT as served');
    check(text.includes(HOSTILE) && await page.locator('#lookup-result img').count() === 0 &&
      alerts === 0, 'the hostile reason is shown as text and runs nothing');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: lookup view clean');
    if (shots) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(shots, 'lookup.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(shots, 'lookup-phone.png'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    await page.fill('#lookup-ip', '203.0.113.200');
    await page.press('#lookup-ip', 'Enter');
    await page.waitForFunction(() => /203\.0\.113\.200 is not listed/.test(
      document.querySelector('#lookup-result').textContent));
    check(true, 'an unlisted address says so plainly');

    // ---- entries: add by the form, see it in DNS, delete it ----
    await page.click('a[data-view="entries"]');
    await page.waitForSelector('#entry-form:not([hidden])');
    await page.fill('#entry-prefix', 'not-an-ip');
    await page.click('#entry-form button[type="submit"]');
    await page.waitForSelector('#entry-prefix-err:not([hidden])');
    check(/Not an IP address/.test(await page.textContent('#entry-prefix-err')),
      'a bad prefix is explained next to its field: ' + await page.textContent('#entry-prefix-err'));
    // One the page cannot tell: rbld's own message, next to the field.
    expectAuthErrors = true;
    await page.fill('#entry-prefix', '192.0.2.300');
    await page.click('#entry-form button[type="submit"]');
    await page.waitForFunction(() => /bad prefix/.test(
      document.querySelector('#entry-prefix-err').textContent));
    check(true, 'rbld\'s refusal of 192.0.2.300 is shown next to the field');
    expectAuthErrors = false;
    await page.fill('#entry-prefix', '192.0.2.77');
    await page.fill('#entry-ttl', '1h');
    await page.fill('#entry-reason', 'test by the page');
    await page.click('#entry-form button[type="submit"]');
    await page.waitForSelector('#entries-list td:has-text("192.0.2.77/32")');
    check(dig(dnsPort, qname('192.0.2.77')).includes('127.0.0.2'), 'the added entry is in DNS at once');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: entries view clean');
    await page.click('#entries-list tr:has-text("192.0.2.77/32") button:has-text("Delete")');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#entries-list td:has-text("192.0.2.77/32")', { state: 'detached' });
    check(dig(dnsPort, qname('192.0.2.77')).length === 0, 'deleted: DNS no longer lists it');

    // ---- allowlist from a lookup ----
    await page.click('a[data-view="lookup"]');
    await page.fill('#lookup-ip', '198.51.100.8');
    await page.press('#lookup-ip', 'Enter');
    await page.waitForFunction(() => /198\.51\.100\.8 is listed/.test(
      document.querySelector('#lookup-result').textContent));
    await page.click('#lookup-result button:has-text("Allowlist 198.51.100.8")');
    await page.waitForSelector('#view-allow:not([hidden])');
    check(await page.inputValue('#allow-prefix') === '198.51.100.8', 'the allowlist form is filled in');
    await page.fill('#allow-reason', 'our partner ' + HOSTILE);
    await page.fill('#allow-ttl', '1d');
    await page.click('#allow-form button[type="submit"]');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#allow-list td:has-text("198.51.100.8/32")');
    check(dig(dnsPort, qname('198.51.100.8')).length === 0 &&
      dig(dnsPort, qname('198.51.100.9')).includes('127.0.0.2'),
    'allowlisted: DNS stops listing it at once, its neighbour stays listed');
    check(await page.locator('#allow-list img').count() === 0 && alerts === 0,
      'the allowlist shows the reason as text');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: allowlist view clean');

    // ---- a report listing ----
    for (let i = 0; i < 2; i++) {
      r = await apiCall(apiPort, T, 'POST', '/v1/reports', {
        ip: '203.0.113.50', type: 'failed-login', service: 'dovecot', reason: 'bad password' });
    }
    check(r.status === 202 && r.json.listed, 'two failed logins list 203.0.113.50');
    await page.click('a[data-view="lookup"]');
    await page.fill('#lookup-ip', '203.0.113.50');
    await page.press('#lookup-ip', 'Enter');
    await page.waitForFunction(() => /203\.0\.113\.50 is listed/.test(
      document.querySelector('#lookup-result').textContent));
    const rt = await page.textContent('#lookup-result');
    check(/reports/.test(rt) && /127\.0\.0\.3/.test(rt) && /failed-login from dovecot/.test(rt),
      'the report listing shows with its source, A and the reports');

    // ---- the hits log ----
    dig(dnsPort, qname('45.77.88.20'));
    await page.click('a[data-view="hits"]');
    await page.fill('#hits-ip', '45.77.88.20');
    check(await until(async () => (await page.textContent('#hits-list')).includes('45.77.88.20'),
      10000), 'a dig of a listed address appears in the hits log');
    const ht = await page.textContent('#hits-list');
    check(/127\.0\.0\.1/.test(ht) && /drop/.test(ht), 'the hit names the client and the source');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: hits view clean');

    // ---- the dashboard, and refreshing a feed ----
    fs.writeFileSync(path.join(dir, 'feed.txt'), '45.77.88.0/24\n45.77.99.0/24\n');
    await page.click('a[data-view="dashboard"]');
    await page.waitForSelector('#dash-sources table');
    const dt = await page.textContent('#view-dashboard');
    check(/bl\.test/.test(dt) && /drop/.test(dt) && /feed/.test(dt), 'the dashboard lists zones and sources');
    check(await page.locator('#dash-charts svg.chart').count() === 2, 'two charts are drawn');
    await page.click('#dash-sources tr:has-text("drop") button:has-text("Refresh")');
    await page.waitForSelector('#toast:not([hidden])');
    check(/drop: .*entries/.test(await page.textContent('#toast')),
      'refreshing the feed reports its entries: ' + await page.textContent('#toast'));
    check(dig(dnsPort, qname('45.77.99.1')).includes('127.0.0.4'), 'the refreshed feed is in DNS');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: dashboard clean');
    if (shots) {
      await page.waitForSelector('#toast', { state: 'hidden', timeout: 10000 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });
    }

    // ---- tokens, and a reporter's page ----
    await page.click('a[data-view="tokens"]');
    await page.fill('#token-name', 'fail2ban-mx1');
    await page.selectOption('#token-role', 'reporter');
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('#token-new:not([hidden])');
    const newTok = (await page.textContent('#token-value')).trim();
    check(/^rbld_[0-9a-f]{40}$/.test(newTok), 'a new token is shown once');
    check((await page.textContent('#token-list')).includes('fail2ban-mx1'), 'and listed');
    check((await axeFindings(page, axeSource)).length === 0, 'axe: tokens view clean');
    await page.click('#signout');
    await page.waitForSelector('#view-signin:not([hidden])');
    check(await page.evaluate(() => sessionStorage.getItem('rbld-token') === null),
      'signing out forgets the token');
    await page.fill('#token', newTok);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#reporter-note:not([hidden])');
    check(await page.locator('#nav a[data-view="entries"]').isHidden() &&
      await page.locator('#lookup-form').isHidden(), 'a reporter is told it may only post reports');

    check(problems.length === 0, 'no page error, failed request or console error' +
      (problems.length ? ':\n  ' + problems.join('\n  ') : ''));
  } catch (e) {
    check(false, `${e.name}: ${e.message}`);
    if (rbld) console.log(rbld.log().split('\n').slice(-15).join('\n'));
  } finally {
    if (browser) await browser.close();
    if (rbld) rbld.proc.kill('SIGTERM');
  }
  if (failed === 0 && !process.env.RBLD_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log('data kept in ' + dir);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then((rc) => process.exit(rc));
