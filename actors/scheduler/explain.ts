/**
 * Why no host (or few hosts) passed: the filters run one after another over the request's hosts,
 * as Nova's filter handler does, recording which hosts each one removed. Slow on purpose (it keeps
 * names); it is for NoValidHost faults and logs, never the scheduling path.
 */
import { startingHosts } from './candidates.ts';
import type { HostFilter } from './filters/base.ts';
import type { HostState, RequestSpec } from './types.ts';

export interface FilterStep {
  /** Filter class name, or ignore_hosts / force_hosts for the request's own host lists. */
  filter: string;
  start: number;
  end: number;
  /** Hosts removed, as "host" or "host (nodename)" when the node is named differently. */
  removed: string[];
}

export interface FilterExplanation {
  start: number;
  steps: FilterStep[];
  /** Hosts left after the last step. */
  remaining: string[];
  /** force_hosts / force_nodes matched, so the filters were skipped, as Nova does. */
  forced: boolean;
}

export function hostLabel(h: HostState): string {
  return h.nodename === h.host ? h.host : `${h.host} (${h.nodename})`;
}

/**
 * Run `filters` for instance `index` of the request (index > 0 skips once-per-request filters) and
 * say what each removed. Stops at the first filter that leaves no host, as Nova's handler does.
 */
export function explainFiltering(filters: readonly HostFilter[], spec: RequestSpec,
  hosts: readonly HostState[], index = 0): FilterExplanation {
  const idx = new Int32Array(hosts.length);
  const start = startingHosts(hosts, spec, idx);
  let current = Array.from(idx.subarray(0, start.count), (i) => hosts[i]!);
  const steps: FilterStep[] = [];
  if (start.count < hosts.length) {
    const kept = new Set(current);
    steps.push({
      filter: spec.forceHosts.length > 0 || spec.forceNodes.length > 0 ? 'force_hosts' : 'ignore_hosts',
      start: hosts.length, end: start.count, removed: hosts.filter((h) => !kept.has(h)).map(hostLabel),
    });
  }
  if (!start.forced) {
    for (const f of filters) {
      if (current.length === 0) break;
      if (index > 0 && f.runFilterOncePerRequest) continue;
      const applies = f.prepare ? f.prepare(spec) : true;
      const passed = applies ? current.filter((h) => f.hostPasses(h, spec)) : current;
      const kept = new Set(passed);
      steps.push({ filter: f.name, start: current.length, end: passed.length,
        removed: current.filter((h) => !kept.has(h)).map(hostLabel) });
      current = passed;
    }
  }
  return { start: hosts.length, steps, remaining: current.map(hostLabel), forced: start.forced };
}

/** Nova's log line, with the removed hosts: "Filter results: ['RamFilter: (start: 3, end: 1)', ...]". */
export function formatFilterExplanation(e: FilterExplanation, maxNames = 10): string {
  const parts = e.steps.map((s) => {
    const names = s.removed.slice(0, maxNames).join(', ') + (s.removed.length > maxNames ? ', ...' : '');
    return `'${s.filter}: (start: ${s.start}, end: ${s.end})${s.removed.length > 0 ? ` removed [${names}]` : ''}'`;
  });
  return `Filter results: [${parts.join(', ')}]`;
}
