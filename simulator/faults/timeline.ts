/**
 * Faults as timed actions on the target: each scenario fault becomes a start action at `at` and, when it
 * is repaired, an end action at `at + duration` (host up, link healed, site restored).
 */
import type { ResolvedFault } from '../scenario/model.ts';
import type { SimFault } from '../target.ts';

export interface FaultAction {
  atMs: number;
  fault: ResolvedFault;
  phase: 'start' | 'end';
  action: SimFault;
}

function startOf(f: ResolvedFault): SimFault {
  switch (f.kind) {
    case 'host_down': return { kind: 'host_down', hosts: f.hosts };
    case 'link_cut': return { kind: 'link_cut', cells: f.cells, untilMs: f.untilMs };
    case 'site_lost': return { kind: 'site_lost', site: f.site!, cells: f.cells, hosts: f.hosts, untilMs: f.untilMs };
  }
}

function endOf(f: ResolvedFault): SimFault {
  switch (f.kind) {
    case 'host_down': return { kind: 'host_up', hosts: f.hosts };
    case 'link_cut': return { kind: 'link_heal', cells: f.cells };
    case 'site_lost': return { kind: 'site_restored', site: f.site!, cells: f.cells, hosts: f.hosts };
  }
}

/** Actions in time order (a repair before a new fault at the same instant; then scenario order). */
export function faultTimeline(faults: readonly ResolvedFault[]): FaultAction[] {
  const out: FaultAction[] = [];
  for (const f of faults) {
    out.push({ atMs: f.atMs, fault: f, phase: 'start', action: startOf(f) });
    if (f.untilMs !== null) out.push({ atMs: f.untilMs, fault: f, phase: 'end', action: endOf(f) });
  }
  return out.sort((a, b) => a.atMs - b.atMs || (a.phase === b.phase ? a.fault.index - b.fault.index : a.phase === 'end' ? -1 : 1));
}

/** Absolute sim-time fault actions shift untilMs too (targets compare it with the clock). */
export function withClockBase(a: SimFault, t0: number): SimFault {
  if ((a.kind === 'link_cut' || a.kind === 'site_lost') && a.untilMs !== null) return { ...a, untilMs: t0 + a.untilMs };
  return a;
}
