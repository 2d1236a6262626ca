/**
 * Drawing a snapshot: the cell tree (a WAI-ARIA tree, arrow keys move, Enter selects), the selected
 * cell's figures, and the hosts and instances of its subtree.
 */
import type { DashCell, DashHost, DashInstance, Snapshot } from '../shared/model.ts';
import { bar, byId, gb, h, nodes, num } from './dom.ts';

export interface Handlers {
  select(path: string): void;
  toggleHost(host: DashHost): void;
  toggleMute(cell: DashCell): void;
  openInstance(i: DashInstance): void;
}

/** Redraw a table only when what it shows changed: a redraw under the pointer would swallow a click. */
const drawn = new Map<string, string>();
function changed(table: string, key: unknown): boolean {
  const k = JSON.stringify(key);
  if (drawn.get(table) === k) return false;
  drawn.set(table, k);
  return true;
}

const within = (path: string, cell: string | null) => cell !== null && (cell === path || cell.startsWith(`${path}!`));

function linkOf(c: DashCell): string {
  return c.link ?? 'api';
}

export function renderTree(snap: Snapshot, selected: string, on: Handlers): void {
  const root = byId('tree', HTMLUListElement);
  const active = document.activeElement;
  const focused = active instanceof HTMLElement ? active.dataset['path'] : undefined;
  const item = (c: DashCell): HTMLLIElement => {
    const kids = snap.cells.filter((x) => x.parent === c.path);
    const row = h('div', { class: 'row' },
      h('span', { class: `dot ${linkOf(c)}`, 'aria-hidden': 'true' }),
      h('span', {}, c.name),
      c.muted ? h('span', { class: `badge ${c.link === 'down' ? 'down' : 'muted'}` }, c.link === 'down' ? 'down' : 'muted') : null,
      h('span', { class: 'sub' }, `${num(c.hosts.up)}/${num(c.capacity.hosts || c.hosts.up + c.hosts.down)} hosts`));
    const li = h('li', {
      role: 'treeitem', 'aria-selected': c.path === selected ? 'true' : 'false', 'aria-expanded': kids.length ? 'true' : undefined,
      'aria-label': `${c.path}, link ${linkOf(c)}${c.muted ? ', muted' : ''}`, tabindex: c.path === (focused ?? selected) ? 0 : -1,
      'data-path': c.path,
    }, row);
    row.addEventListener('click', () => on.select(c.path));
    if (kids.length) li.append(h('ul', { role: 'group' }, ...kids.map(item)));
    return li;
  };
  root.replaceChildren(...snap.cells.filter((c) => c.parent === null).map(item));
  const refocus = focused ? root.querySelector(`[data-path="${CSS.escape(focused)}"]`) : null;
  if (refocus instanceof HTMLElement) refocus.focus();
}

/** Arrow keys move through the visible tree items; Enter or Space selects. */
export function treeKeys(on: Handlers): void {
  byId('tree').addEventListener('keydown', (e) => {
    const items = [...document.querySelectorAll<HTMLElement>('#tree [role=treeitem]')];
    const at = items.findIndex((x) => x === document.activeElement);
    const move = (i: number) => {
      const t = items[Math.max(0, Math.min(items.length - 1, i))];
      if (!t) return;
      items.forEach((x) => (x.tabIndex = -1));
      t.tabIndex = 0;
      t.focus();
    };
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(items.length - 1);
    else if ((e.key === 'Enter' || e.key === ' ') && at >= 0) on.select(items[at]!.dataset['path']!);
    else return;
    e.preventDefault();
  });
}

export function renderCell(snap: Snapshot, selected: string, on: Handlers): void {
  const c = snap.cells.find((x) => x.path === selected) ?? snap.cells[0]!;
  const cap = c.capacity;
  const states = Object.entries(c.instances).sort();
  const units = Object.entries(c.units);
  const canMute = c.parent !== null && snap.cells.find((x) => x.path === c.parent)?.parent === null;
  byId('cell').replaceChildren(...nodes(
    h('h2', {}, c.path, ' ', h('span', { class: 'sub' }, c.role)),
    c.description ? h('p', {}, c.description) : null,
    h('dl', {},
      h('dt', {}, 'Link'), h('dd', { id: 'cell-link' }, c.link === null ? 'API cell' : `${c.link}${c.lastHeardS !== null ? ` (heard ${num(c.lastHeardS)} s ago)` : ''}`),
      h('dt', {}, 'Muted'), h('dd', { id: 'cell-muted' }, c.muted ? (c.adminMuted ? 'yes (by an operator)' : 'yes') : 'no'),
      h('dt', {}, 'Site'), h('dd', {}, c.site ? `${c.site.ref} (${c.site.lat.toFixed(2)}, ${c.site.lon.toFixed(2)})` : '—'),
      h('dt', {}, 'Free vCPU'), h('dd', { id: 'cell-vcpus-free' }, `${num(cap.vcpusFree)} of ${num(cap.vcpus)}`),
      h('dt', {}, 'Free RAM'), h('dd', { id: 'cell-ram-free' }, `${gb(cap.memoryMbFree)} of ${gb(cap.memoryMb)}`),
      h('dt', {}, 'Free disk'), h('dd', {}, `${num(cap.diskGbFree)} GB of ${num(cap.diskGb)} GB`),
      h('dt', {}, 'Hosts'), h('dd', { id: 'cell-hosts' }, `${num(c.hosts.up)} up, ${num(c.hosts.down)} down, ${num(c.hosts.disabled)} disabled`),
      h('dt', {}, 'Instances'), h('dd', { id: 'cell-instances' }, states.length ? states.map(([k, v]) => `${num(v)} ${k}`).join(', ') : 'none'),
      h('dt', {}, 'Builds/min'), h('dd', {}, num(c.buildsPerMin)),
      h('dt', {}, 'Units per flavor'), h('dd', { id: 'cell-units' }, units.length ? units.map(([k, v]) => `${k} ${num(v)}`).join(' · ') : '—')),
    c.answered ? null : h('p', { class: 'error' }, 'This cell did not answer the last status round; figures are its parent\'s last view.'),
    canMute ? h('button', { type: 'button', id: 'mute', onclick: () => on.toggleMute(c) }, c.adminMuted ? 'Unmute cell' : 'Mute cell') : null,
  ));
}

export function renderHosts(snap: Snapshot, selected: string, on: Handlers): void {
  const hosts = snap.hosts.filter((x) => within(selected, x.cell) || snap.cells.find((c) => c.path === selected)?.parent === null);
  byId('hosts-title').textContent = `Hosts (${num(hosts.length)})`;
  const counts = snap.instances.reduce<Record<string, number>>((m, i) => ((m[`${i.cell}/${i.host}`] = (m[`${i.cell}/${i.host}`] ?? 0) + 1), m), {});
  if (!changed('hosts', [selected, hosts.slice(0, 500), counts])) return;
  const rows = hosts.slice(0, 500).map((x) => {
    const state = x.disabled ? 'disabled' : x.state;
    const count = counts[`${x.cell}/${x.host}`] ?? 0;
    return h('tr', { 'data-host': x.host },
      h('th', { scope: 'row' }, x.host), h('td', {}, x.cell),
      h('td', { class: `state-${state}` }, state, x.disabledReason ? ` (${x.disabledReason})` : ''),
      h('td', {}, bar(x.vcpusUsed, x.vcpus, 'vCPU')), h('td', {}, bar(x.memoryMbUsed, x.memoryMb, 'RAM MB')),
      h('td', {}, bar(x.localGbUsed, x.localGb, 'disk GB')), h('td', {}, num(Math.max(count, x.runningVms))),
      h('td', {}, h('button', { type: 'button', onclick: () => on.toggleHost(x), 'aria-label': `${x.disabled ? 'Enable' : 'Disable'} host ${x.host}` }, x.disabled ? 'Enable' : 'Disable')));
  });
  byId('hosts').querySelector('tbody')!.replaceChildren(...rows);
}

export function renderInstances(snap: Snapshot, selected: string, on: Handlers): void {
  const isApi = snap.cells.find((c) => c.path === selected)?.parent === null;
  const list = snap.instances.filter((i) => isApi || within(selected, i.cell));
  byId('instances-title').textContent = `Instances (${num(list.length)}${isApi && snap.instancesOmitted ? ` newest of ${num(snap.totals.instances)}` : ''})`;
  if (!changed('instances', [selected, list.slice(0, 300)])) return;
  byId('instances').querySelector('tbody')!.replaceChildren(...list.slice(0, 300).map((i) => h('tr', {},
    h('th', { scope: 'row' }, h('button', { type: 'button', class: 'linkish', onclick: () => on.openInstance(i) }, i.name)),
    h('td', {}, i.vmState, i.taskState ? ` (${i.taskState})` : ''), h('td', {}, i.flavor), h('td', {}, i.cell ?? '—'), h('td', {}, i.host ?? '—'))));
}
