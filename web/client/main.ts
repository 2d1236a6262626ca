/**
 * The dashboard in the browser: log in (identity), then one websocket that delivers snapshots; each
 * is drawn and acknowledged, which tells the server the next may come (its back-pressure). Admin
 * actions ask for confirmation in a dialog, then call the dashboard's API.
 */
import type { ClientMessage, DashCell, DashHost, DashInstance, Snapshot } from '../shared/model.ts';
import { isInstanceDetail, isRecord, isServerMessage, isSession } from './check.ts';
import { byId, h, nodes, num } from './dom.ts';
import { drawMap } from './map.ts';
import { renderCell, renderHosts, renderInstances, renderTree, treeKeys, type Handlers } from './render.ts';

let snapshot: Snapshot | undefined;
let selected = '';

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, {
    method, credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  return { status: r.status, body: parsed };
}

function faultMessage(b: unknown): string {
  const v = isRecord(b) ? Object.values(b)[0] : undefined;
  return isRecord(v) && typeof v['message'] === 'string' ? v['message'] : 'Request failed.';
}

function confirmAction(text: string): Promise<boolean> {
  const d = byId('confirm', HTMLDialogElement);
  byId('confirm-text').textContent = text;
  d.returnValue = '';
  d.showModal();
  byId('confirm-ok').focus();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

function time(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

const handlers: Handlers = {
  select(path) {
    selected = path;
    draw();
  },
  async toggleHost(x: DashHost) {
    const disable = !x.disabled;
    if (!(await confirmAction(`${disable ? 'Disable' : 'Enable'} compute host ${x.host} in ${x.cell}? ${disable ? 'The scheduler will place no new instances on it.' : ''}`))) return;
    const r = await call('POST', `/dashboard/api/hosts/${encodeURIComponent(x.host)}/disabled`, { disabled: disable, reason: 'disabled from the dashboard' });
    if (r.status !== 200) alertBox(faultMessage(r.body));
  },
  async toggleMute(c: DashCell) {
    const mute = !c.adminMuted;
    if (!(await confirmAction(`${mute ? 'Mute' : 'Unmute'} cell ${c.path}? ${mute ? 'No new builds will be sent to it until it is unmuted.' : ''}`))) return;
    const r = await call('POST', `/dashboard/api/cells/${encodeURIComponent(c.path)}/muted`, { muted: mute });
    if (r.status !== 200) alertBox(faultMessage(r.body));
  },
  async openInstance(i: DashInstance) {
    const d = byId('instance', HTMLDialogElement);
    byId('instance-title').textContent = `${i.name} (${i.uuid})`;
    byId('instance-body').replaceChildren(h('p', {}, 'Loading…'));
    d.showModal();
    const r = await call('GET', `/dashboard/api/instances/${encodeURIComponent(i.uuid)}`);
    const x = r.body;
    if (r.status !== 200 || !isInstanceDetail(x)) {
      byId('instance-body').replaceChildren(h('p', { class: 'error' }, faultMessage(x)));
      return;
    }
    byId('instance-body').replaceChildren(...nodes(
      h('p', {}, `${x.instance.vmState}${x.instance.taskState ? ` (${x.instance.taskState})` : ''}, flavor ${x.instance.flavor}, host ${x.instance.host ?? '—'}`),
      x.instance.fault ? h('p', { class: 'error' }, `Fault ${x.instance.fault.code}: ${x.instance.fault.message}`) : null,
      h('h3', {}, 'Path through the tree'),
      h('ol', { class: 'path' }, ...x.path.map((p) => h('li', {}, p)), x.instance.host ? h('li', {}, x.instance.host) : null),
      h('h3', {}, 'Actions and events'),
      h('table', {}, h('thead', {}, h('tr', {}, ...['Action / event', 'Start', 'Finish', 'Result', 'Host'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...x.actions.flatMap((a) => [
          h('tr', {}, h('th', { scope: 'row' }, `${a.action} (${a.requestId})`), h('td', {}, time(a.startTime)), h('td', {}, time(a.finishTime)), h('td', {}, a.message ?? ''), h('td', {}, '')),
          ...a.events.map((e) => h('tr', {}, h('td', {}, `  ${e.event}`), h('td', {}, time(e.startTime)), h('td', {}, time(e.finishTime)), h('td', {}, e.result ?? ''), h('td', {}, e.host ?? ''))),
        ]))),
    ));
  },
};

function alertBox(text: string): void {
  byId('live').textContent = text;
}

function draw(): void {
  const snap = snapshot;
  if (!snap) return;
  if (!snap.cells.some((c) => c.path === selected)) selected = snap.cells[0]?.path ?? '';
  byId('total-cells').textContent = num(snap.cells.length);
  byId('total-hosts').textContent = num(snap.hosts.length);
  byId('total-instances').textContent = num(snap.totals.instances);
  byId('total-builds').textContent = num(snap.totals.buildsPerMin);
  renderTree(snap, selected, handlers);
  drawMap(byId('map', SVGSVGElement), snap.cells, handlers.select);
  renderCell(snap, selected, handlers);
  renderHosts(snap, selected, handlers);
  renderInstances(snap, selected, handlers);
}

function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/dashboard/ws`);
  ws.addEventListener('open', () => (byId('live').textContent = 'live'));
  ws.addEventListener('message', (e) => {
    const msg: unknown = JSON.parse(String(e.data));
    if (!isServerMessage(msg) || msg.type !== 'snapshot') return;
    snapshot = msg.snapshot;
    draw();
    document.body.dataset['seq'] = String(msg.seq);
    // Drawn: the server may send the next one.
    requestAnimationFrame(() => ws.send(JSON.stringify({ type: 'ack', seq: msg.seq } satisfies ClientMessage)));
  });
  ws.addEventListener('close', () => {
    byId('live').textContent = 'reconnecting…';
    setTimeout(() => void start(), 2000);
  });
}

async function start(): Promise<void> {
  const s = await call('GET', '/dashboard/api/session');
  const session = s.status === 200 && isSession(s.body) ? s.body : {};
  const inSession = session.user !== undefined;
  byId('login-view').hidden = inSession;
  byId('app-view').hidden = !inSession;
  if (!inSession) {
    const password = document.querySelector('#login input[name=password]');
    if (password instanceof HTMLInputElement) password.focus();
    return;
  }
  byId('user').textContent = `${session.user} (${session.project})`;
  connect();
}

const loginForm = byId('login', HTMLFormElement);
loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(loginForm);
  const r = await call('POST', '/dashboard/login', { username: f.get('username'), password: f.get('password'), project: f.get('project') });
  if (r.status !== 200) {
    byId('login-error').textContent = faultMessage(r.body);
    return;
  }
  byId('login-error').textContent = '';
  await start();
});
byId('logout').addEventListener('click', async () => {
  await call('POST', '/dashboard/logout');
  location.reload();
});
treeKeys(handlers);
void start();
