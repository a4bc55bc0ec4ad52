// SPDX-License-Identifier: BSD-2-Clause
// rbld's admin page: plain JavaScript over the HTTP API. Every text that
// comes from data goes into the page as text (textContent), never as HTML.
'use strict';

const TOKEN_KEY = 'rbld-token';
const state = { token: null, name: '', role: '', sources: [], zones: [],
  entriesAfter: [], hitsTimer: null, view: '' };

// ---- small helpers ----

const $ = (id) => document.getElementById(id);

// An element with attributes and children (strings become text nodes).
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function show(node, on) { node.hidden = !on; }

function clear(node, ...kids) { node.replaceChildren(...kids); }

// "3 min ago", "in 2 h", from an ISO time; '' for null.
function ago(iso) {
  if (!iso) return '';
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const a = Math.abs(s);
  const [n, u] = a < 60 ? [a, 's'] : a < 3600 ? [Math.round(a / 60), 'min'] :
    a < 86400 ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'd'];
  return s <= 0 ? `${n} ${u} ago` : `in ${n} ${u}`;
}

// A time in the browser's zone with its age, or a dash.
function when(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return el('time', { datetime: iso, title: d.toString() },
    d.toLocaleString(), el('span', { class: 'muted' }, ' (' + ago(iso) + ')'));
}

function toast(msg, bad) {
  const t = $('toast');
  t.textContent = msg;
  t.className = 'toast' + (bad ? ' bad' : '');
  show(t, true);
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => show(t, false), 4000);
}

// Ask before doing something that cannot be undone; resolves to a boolean.
function confirmAction(text, ok) {
  const d = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = ok || 'Confirm';
  d.returnValue = '';
  d.showModal();
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'),
      { once: true });
  });
}

class ApiError extends Error {
  constructor(status, msg, retry) {
    super(msg);
    this.status = status;
    this.retry = retry;
  }
}

// One API call: the token as a bearer header, JSON both ways.
async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + state.token };
  const opt = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (!r.ok) {
    const msg = (j && j.error) || `${r.status} ${r.statusText}`;
    if (r.status === 401 && state.role) signOut('Your token is no longer valid.');
    throw new ApiError(r.status, msg, r.headers.get('Retry-After'));
  }
  return j;
}

function errorBox(e) {
  return el('p', { class: 'error', role: 'alert' }, e.message || String(e));
}

// A table in a scrolling box; on a phone each row becomes a card whose
// cells are labelled with their column (data-label, style.css).
function table(head, rows, empty) {
  if (!rows.length) return el('p', { class: 'empty' }, empty);
  return el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) =>
      el('td', { 'data-label': head[i] || null }, c)))))));
}

function badge(text, kind) { return el('span', { class: 'badge ' + kind }, text); }

const isAdmin = () => state.role === 'admin';
const canRead = () => state.role === 'admin' || state.role === 'reader';

// ---- signing in ----

async function signIn(token) {
  state.token = token;
  const me = await api('GET', '/v1/whoami');
  state.name = me.name;
  state.role = me.role;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('who-name').textContent = `${me.name} (${me.role})`;
  document.body.dataset.role = me.role;
  for (const a of document.querySelectorAll('#nav a')) {
    const need = a.dataset.role;
    show(a, !need || (need === 'admin' ? isAdmin() : canRead()));
  }
  show($('nav'), true);
  show($('who'), true);
  if (canRead()) {
    const s = await api('GET', '/v1/sources');
    state.sources = s.sources;
    const z = await api('GET', '/v1/zones');
    state.zones = z.zones;
    fillSelects();
  }
  route();
}

function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(state, { token: null, name: '', role: '' });
  delete document.body.dataset.role;
  show($('nav'), false);
  show($('who'), false);
  showView('signin');
  const err = $('signin-error');
  err.textContent = why || '';
  show(err, !!why);
  $('token').value = '';
  $('token').focus();
}

$('signin-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = $('signin-error');
  show(err, false);
  const t = $('token').value.trim();
  try {
    await signIn(t);
    $('token').value = '';
  } catch (e) {
    state.token = null;
    state.role = '';
    err.textContent = e.status === 401 ? 'That token is not valid. Check it, or ' +
      'make a new one with rbldctl token new.' : e.status === 429 ?
      `Too many failed sign-ins from this address: wait ${e.retry || 'a few'} ` +
      'seconds and try again.' : 'Cannot sign in: ' + e.message;
    show(err, true);
  }
});

$('signout').addEventListener('click', () => signOut());

// ---- views ----

function showView(name) {
  for (const v of document.querySelectorAll('.view')) show(v, v.id === 'view-' + name);
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clearInterval(state.hitsTimer);
  state.view = name;
}

function route() {
  if (!state.role) return signOut();
  let name = location.hash.replace('#', '') || 'lookup';
  const views = { lookup: viewLookup, dashboard: viewDashboard, entries: viewEntries,
    allow: viewAllow, hits: viewHits, tokens: viewTokens };
  if (!views[name] || (name === 'tokens' && !isAdmin()) ||
      (name !== 'lookup' && !canRead())) name = 'lookup';
  showView(name);
  views[name]();
}

window.addEventListener('hashchange', () => { if (state.role) route(); });

function fillSelects() {
  const own = state.sources.filter((s) => s.kind === 'local' || s.kind === 'reports');
  clear($('entry-source'), ...own.filter((s) => s.kind === 'local')
    .map((s) => el('option', { value: s.name }, s.name)));
  clear($('entries-source'), ...state.sources.map((s) => el('option', { value: s.name },
    `${s.name} (${s.kind})`)));
  clear($('hits-zone'), el('option', { value: '' }, 'every zone'),
    ...state.zones.map((z) => el('option', { value: z.zone }, z.zone)));
}

// ---- lookup ----

function viewLookup() {
  show($('reporter-note'), state.role === 'reporter');
  show($('lookup-form'), canRead());
  if (canRead()) $('lookup-ip').focus();
}

$('lookup-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  lookup($('lookup-ip').value.trim());
});

async function lookup(ip) {
  const out = $('lookup-result');
  if (!ip) return;
  clear(out, el('p', { class: 'muted' }, 'Looking up ' + ip + '…'));
  let r;
  try {
    r = await api('GET', '/v1/lookup/' + encodeURIComponent(ip));
  } catch (e) {
    clear(out, errorBox(e));
    return;
  }
  const parts = [];
  const listedZones = new Set(r.answers.map((a) => a.zone));
  parts.push(el('div', { class: 'verdict ' + (r.listed ? 'listed' : 'clean') },
    el('strong', {}, r.ip), ' ',
    r.listed ? `is listed in ${[...listedZones].join(', ')}` :
      r.never_listed ? `is never listed: ${r.never_listed}` : 'is not listed by any zone'));
  // Per zone: what DNS answers.
  parts.push(el('h2', {}, 'What DNS answers'));
  parts.push(table(['Zone', 'Listed', 'Source', 'A', 'TXT as served'],
    state.zones.map((z) => {
      const hits = r.answers.filter((a) => a.zone === z.zone);
      if (!hits.length) return [z.zone, badge('no', 'ok'), '', '', ''];
      return [z.zone, badge('yes', 'bad'), hits.map((h) => el('div', {}, h.source || '—')),
        hits.map((h) => el('div', {}, h.a)), hits.map((h) => el('div', {}, h.txt || ''))];
    }), 'No zones.'));
  // Every source's entry that covers it.
  parts.push(el('h2', {}, 'Entries that cover it'));
  parts.push(table(['Prefix', 'Source', 'A', 'TXT', 'Reason', 'Origin', 'Added', 'Expires', ''],
    r.entries.map((e) => [e.prefix + (e.exclude ? ' (excluded)' : ''), e.source,
      e.a || '', e.txt || '', e.reason || '', e.origin || '', when(e.added),
      e.expires ? when(e.expires) : 'never',
      isAdmin() && (e.origin === 'api' || e.origin === 'cli') ?
        el('button', { type: 'button', class: 'quiet danger',
          onclick: () => deleteEntry(e.prefix, e.source, () => lookup(ip)) }, 'Delete') : '']),
    'No entry covers it.'));
  // Allowlists.
  if ((r.allowed_by || []).length) {
    parts.push(el('h2', {}, 'Allowlisted: no zone lists it'));
    parts.push(table(['Prefix', 'Where', 'Reason', 'By', 'Expires'],
      r.allowed_by.map((a) => [a.prefix, a.from === 'runtime' ? 'allowlist' : a.from,
        a.reason || '', a.by || '', a.from === 'runtime' ?
          (a.expires ? when(a.expires) : 'never') : '']), ''));
  } else if (r.never_listed) {
    parts.push(el('p', { class: 'notice' }, 'Never listed: ' + r.never_listed + '.'));
  } else if (isAdmin()) {
    parts.push(el('button', { type: 'button', onclick: () => allowAddress(r.ip, () => lookup(ip)) },
      'Allowlist ' + r.ip));
  }
  // Reports.
  parts.push(el('h2', {}, 'Reports'));
  parts.push(table(['Source', 'Reports', 'Offences', 'Listed until', 'Last seen', 'Recent'],
    r.reports.map((h) => [h.source, h.reports, h.offences,
      h.listed ? when(h.listed_until) : 'not listed', when(h.last_seen),
      el('ul', { class: 'plain' }, (h.recent || []).slice(0, 5).map((x) =>
        el('li', {}, `${x.type}${x.service ? ' from ' + x.service : ''}`,
          x.reason ? ': ' + x.reason : '', ' ', when(x.at))))]),
    'No reports about it.'));
  clear(out, ...parts);
}

async function deleteEntry(prefix, source, then) {
  if (!await confirmAction(`Delete ${prefix} from ${source}? DNS stops listing it at once.`,
    'Delete')) return;
  try {
    await api('DELETE', '/v1/entries/' + prefix + '?source=' + encodeURIComponent(source));
    toast(`${prefix} deleted from ${source}`);
    if (then) then();
  } catch (e) { toast(e.message, true); }
}

async function allowAddress(ip, then) {
  location.hash = '#allow';
  $('allow-prefix').value = ip;
  $('allow-reason').focus();
  state.afterAllow = then;
}

// ---- dashboard ----

// A bar chart of SERIES ([{label, cls, values}]) stacked per minute, as SVG.
function chart(title, minutes, series) {
  const NS = 'http://www.w3.org/2000/svg';
  // At least an hour wide, the newest minute on the right.
  const W = 600, H = 140, n = Math.max(minutes.length, 60), off = n - minutes.length;
  const totals = minutes.map((_, i) => series.reduce((a, s) => a + s.values[i], 0));
  const max = Math.max(1, ...totals);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('class', 'chart');
  const sum = series.map((s) => `${s.label} ${s.values.reduce((a, b) => a + b, 0)}`);
  svg.setAttribute('aria-label', `${title}, last ${minutes.length} minutes: ${sum.join(', ')}`);
  const bw = W / n;
  minutes.forEach((m, i) => {
    let y = H;
    for (const s of series) {
      const h = (s.values[i] / max) * (H - 4);
      if (h <= 0) continue;
      const r = document.createElementNS(NS, 'rect');
      r.setAttribute('x', ((off + i) * bw).toFixed(2));
      r.setAttribute('width', Math.max(bw - 0.5, 0.5).toFixed(2));
      r.setAttribute('y', (y - h).toFixed(2));
      r.setAttribute('height', h.toFixed(2));
      r.setAttribute('class', s.cls);
      const t = document.createElementNS(NS, 'title');
      t.textContent = `${new Date(m.t).toLocaleTimeString()}: ${s.label} ${s.values[i]}`;
      r.append(t);
      svg.append(r);
      y -= h;
    }
  });
  return el('figure', { class: 'card chart-card' },
    el('figcaption', {}, title, ' ', el('span', { class: 'muted' },
      minutes.length ? `(last ${minutes.length} min, peak ${max} a minute)` :
        '(nothing counted yet)')),
    svg,
    el('div', { class: 'legend' }, series.map((s) => el('span', {},
      el('i', { class: 'swatch ' + s.cls }), s.label))));
}

async function viewDashboard() {
  let z, s, h;
  try {
    [z, s, h] = await Promise.all([api('GET', '/v1/zones'), api('GET', '/v1/sources'),
      api('GET', '/v1/stats/history')]);
  } catch (e) {
    clear($('dash-zones'), errorBox(e));
    return;
  }
  const m = h.minutes;
  clear($('dash-charts'),
    chart('DNS answers', m, [
      { label: 'listed', cls: 'c-listed', values: m.map((x) => x.listed) },
      { label: 'not listed', cls: 'c-unlisted', values: m.map((x) => x.unlisted) }]),
    chart('Reports and listings', m, [
      { label: 'reports', cls: 'c-reports', values: m.map((x) => x.reports) },
      { label: 'listings', cls: 'c-listings', values: m.map((x) => x.listings) }]),
    el('div', { class: 'card' }, el('h2', {}, 'Listed addresses asked about most'),
      table(['Address', 'Hits'], h.top_listed.map((x) => [
        el('a', { href: '#lookup', onclick: () => setTimeout(() => lookupFromLink(x.ip)) },
          x.ip), x.hits]), 'No listed answers in the hits log.')),
    el('div', { class: 'card' }, el('h2', {}, 'Reported most'),
      table(['Address', 'Source', 'Reports'], h.top_reported.map((x) => [
        el('a', { href: '#lookup', onclick: () => setTimeout(() => lookupFromLink(x.ip)) },
          x.ip), x.source || '', x.reports]), 'No reports.')));
  state.zones = z.zones;
  state.sources = s.sources;
  clear($('dash-zones'), table(['Zone', 'Serial', 'Entries', 'Sources', 'Secondaries'],
    z.zones.map((x) => [x.zone, x.serial, x.entries.toLocaleString(), x.sources.join(', '),
      el('ul', { class: 'plain' }, (x.secondaries || []).map((p) => el('li', {},
        p.kind === 'notify' ? [`NOTIFY ${p.notify}: serial ${p.serial}, sent `,
          when(p.sent), ', answered ', when(p.answered)] :
          [`${p.transfer} to ${p.client}: serial ${p.serial}, ${p.bytes} bytes, `,
            when(p.at)])))]), 'No zones.'));
  clear($('dash-sources'), table(['Source', 'Kind', 'Entries', 'Last attempt',
    'Last success', 'Status', ''],
  s.sources.map((x) => {
    const f = x.feed;
    return [x.name, x.kind, (x.entries || 0).toLocaleString(),
      f ? when(f.last_attempt) : '', f ? when(f.last_success) : when(x.last_refresh),
      f ? [badge(f.status, f.status === 'ok' ? 'ok' : 'bad'),
        f.error ? el('div', { class: 'error-text' }, f.error) : ''] : '',
      x.kind === 'feed' && isAdmin() ? el('button', { type: 'button', class: 'quiet',
        onclick: (ev) => refreshFeed(x.name, ev.target) }, 'Refresh') : ''];
  }), 'No sources.'));
}

function lookupFromLink(ip) {
  $('lookup-ip').value = ip;
  lookup(ip);
}

async function refreshFeed(name, btn) {
  btn.disabled = true;
  btn.textContent = 'Refreshing…';
  try {
    const r = await api('POST', '/v1/sources/' + encodeURIComponent(name) + '/refresh');
    toast(r.not_modified ? `${name}: not modified` :
      `${name}: ${r.entries} entries, ${r.changed} changed`);
  } catch (e) {
    toast(`${name}: ${e.message}`, true);
  }
  viewDashboard();
}

// ---- entries ----

function fieldError(id, msg) {
  const p = $(id + '-err');
  if (!p) return;
  p.textContent = msg || '';
  show(p, !!msg);
  $(id).setAttribute('aria-invalid', msg ? 'true' : 'false');
}

// An address or network as text, roughly (rbld checks it exactly): '' if
// it may be one, else why not.
function prefixProblem(s) {
  if (!s) return 'Give an address or a network.';
  if (!/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(s) || !/[.:]/.test(s)) {
    return 'Not an IP address or network: write 192.0.2.7, 192.0.2.0/24 or 2001:db8::/48.';
  }
  return '';
}

function viewEntries() { listEntries(null); }

async function listEntries(after) {
  const src = $('entries-source').value;
  const out = $('entries-list');
  if (!src) { clear(out, el('p', { class: 'empty' }, 'No sources.')); return; }
  const f = $('entries-filter').value.trim();
  let r;
  try {
    r = await api('GET', '/v1/entries?source=' + encodeURIComponent(src) + '&limit=100' +
      (f ? '&q=' + encodeURIComponent(f) : '') +
      (after ? '&after=' + encodeURIComponent(after) : ''));
  } catch (e) { clear(out, errorBox(e)); return; }
  const rows = r.entries;
  clear(out, table(['Prefix', 'A', 'TXT', 'Reason', 'Origin', 'Added', 'Expires', ''],
    rows.map((e) => [e.prefix + (e.exclude ? ' (excluded)' : ''), e.a || '', e.txt || '',
      e.reason || '', e.origin || '', when(e.added), e.expires ? when(e.expires) : 'never',
      isAdmin() ? el('button', { type: 'button', class: 'quiet danger',
        onclick: () => deleteEntry(e.prefix, src, () => listEntries(after)) }, 'Delete') : '']),
    f ? 'No entry matches.' : 'This source has no entries.'));
  state.entriesNext = r.next;
  state.entriesAt = after;
  $('entries-next').disabled = !r.next;
}

$('entries-source').addEventListener('change', () => listEntries(null));
$('entries-filter').addEventListener('input', () => {
  clearTimeout(state.filterTimer);
  state.filterTimer = setTimeout(() => listEntries(null), 250);
});
$('entries-first').addEventListener('click', () => listEntries(null));
$('entries-next').addEventListener('click', () => listEntries(state.entriesNext));

$('entry-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const prefix = $('entry-prefix').value.trim();
  const ttl = $('entry-ttl').value.trim();
  fieldError('entry-prefix', prefixProblem(prefix));
  fieldError('entry-ttl', !ttl || /^\d+[smhdw]?$/.test(ttl) ? '' :
    'A duration such as 30m, 12h, 7d or 2w.');
  show($('entry-error'), false);
  if (prefixProblem(prefix) || (ttl && !/^\d+[smhdw]?$/.test(ttl))) return;
  const body = { prefix, source: $('entry-source').value };
  if (ttl) body.ttl = ttl;
  if ($('entry-reason').value.trim()) body.reason = $('entry-reason').value.trim();
  try {
    const r = await api('POST', '/v1/entries', body);
    toast(`${r.prefix} listed in ${r.source}`);
    $('entry-form').reset();
    $('entries-source').value = body.source;
    listEntries(null);
  } catch (e) {
    if (/prefix|address|network/i.test(e.message)) fieldError('entry-prefix', e.message);
    else if (/ttl/i.test(e.message)) fieldError('entry-ttl', e.message);
    else { $('entry-error').textContent = e.message; show($('entry-error'), true); }
  }
});

// ---- the allowlist ----

async function viewAllow() {
  const out = $('allow-list');
  let r;
  try { r = await api('GET', '/v1/allow'); } catch (e) { clear(out, errorBox(e)); return; }
  clear(out, el('h2', {}, 'Added here'),
    table(['Prefix', 'Reason', 'Added by', 'Added', 'Expires', ''],
      r.runtime.map((a) => [a.prefix, a.reason || '', a.by || '', when(a.added),
        a.expires ? when(a.expires) : 'never',
        isAdmin() ? el('button', { type: 'button', class: 'quiet danger',
          onclick: () => removeAllow(a.prefix) }, 'Remove') : '']),
      'Nothing added here yet.'),
    el('h2', {}, 'From the configuration (read-only)'),
    table(['Prefix', 'Where'], r.config.map((a) => [a.prefix, a.from || '[allow]']),
      'The configuration allows nothing.'));
}

async function removeAllow(prefix) {
  if (!await confirmAction(`Remove ${prefix} from the allowlist? Sources that list it ` +
    'are served again at once.', 'Remove')) return;
  try {
    await api('DELETE', '/v1/allow/' + prefix);
    toast(`${prefix} removed from the allowlist`);
    viewAllow();
  } catch (e) { toast(e.message, true); }
}

$('allow-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const prefix = $('allow-prefix').value.trim();
  fieldError('allow-prefix', prefixProblem(prefix));
  show($('allow-error'), false);
  if (prefixProblem(prefix)) return;
  const body = { prefix, reason: $('allow-reason').value.trim() };
  if ($('allow-ttl').value.trim()) body.ttl = $('allow-ttl').value.trim();
  if (!await confirmAction(`Allow ${prefix}? No zone will list it, whatever its sources say.`,
    'Allow')) return;
  try {
    await api('POST', '/v1/allow', body);
    toast(`${prefix} allowlisted`);
    $('allow-form').reset();
    viewAllow();
    if (state.afterAllow) { const f = state.afterAllow; state.afterAllow = null; f(); }
  } catch (e) {
    if (/prefix|address|network/i.test(e.message)) fieldError('allow-prefix', e.message);
    else { $('allow-error').textContent = e.message; show($('allow-error'), true); }
  }
});

// ---- hits ----

function viewHits() {
  loadHits();
  state.hitsTimer = setInterval(loadHits, 2000);
}

async function loadHits() {
  const out = $('hits-list');
  const q = new URLSearchParams({ limit: '200' });
  if ($('hits-ip').value.trim()) q.set('ip', $('hits-ip').value.trim());
  if ($('hits-client').value.trim()) q.set('client', $('hits-client').value.trim());
  if ($('hits-zone').value) q.set('zone', $('hits-zone').value);
  let r;
  try { r = await api('GET', '/v1/hits?' + q); } catch (e) { clear(out, errorBox(e)); return; }
  if (state.view !== 'hits') return;
  clear(out, table(['Time', 'Client', 'Asked about', 'Zone', 'Sources'],
    r.hits.map((h) => [when(h.time), h.client, h.ip, h.zone, h.sources.join(', ')]),
    r.enabled === false ? 'The hits log is off (hits = 0 in rbld.conf).' :
      'No listed answer yet.'));
}

for (const id of ['hits-ip', 'hits-client', 'hits-zone']) {
  $(id).addEventListener('input', loadHits);
}

// ---- tokens ----

async function viewTokens() {
  const out = $('token-list');
  let r;
  try { r = await api('GET', '/v1/tokens'); } catch (e) { clear(out, errorBox(e)); return; }
  clear(out, table(['Name', 'Role', 'Created', 'Where', ''],
    r.tokens.map((t) => [t.name, t.role, when(t.created), t.config ? 'rbld.conf' : 'database',
      t.config ? el('span', { class: 'muted' }, 'edit rbld.conf') :
        t.name === state.name ? el('span', { class: 'muted' }, 'this session') :
          el('button', { type: 'button', class: 'quiet danger',
            onclick: () => revokeToken(t.name) }, 'Revoke')]),
    'No tokens.'));
}

async function revokeToken(name) {
  if (!await confirmAction(`Revoke token ${name}? Whatever uses it is refused at once.`,
    'Revoke')) return;
  try {
    await api('DELETE', '/v1/tokens/' + encodeURIComponent(name));
    toast(`token ${name} revoked`);
    viewTokens();
  } catch (e) { toast(e.message, true); }
}

$('token-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = $('token-name').value.trim();
  fieldError('token-name', /^[A-Za-z0-9._-]{1,64}$/.test(name) ? '' :
    'Letters, digits, ".", "_" and "-", at most 64.');
  show($('token-error'), false);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return;
  try {
    const r = await api('POST', '/v1/tokens', { name, role: $('token-role').value });
    $('token-value').textContent = r.token;
    show($('token-new'), true);
    $('token-form').reset();
    viewTokens();
  } catch (e) {
    if (e.status === 409) fieldError('token-name', e.message);
    else { $('token-error').textContent = e.message; show($('token-error'), true); }
  }
});

$('token-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('token-value').textContent);
    toast('Copied');
  } catch (e) {
    const r = document.createRange();
    r.selectNodeContents($('token-value'));
    getSelection().removeAllRanges();
    getSelection().addRange(r);
    toast('Selected: press Ctrl+C to copy');
  }
});

// ---- start ----

(async () => {
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (!t) return signOut();
  try { await signIn(t); } catch (e) { signOut(e.status === 401 ? '' : e.message); }
})();
