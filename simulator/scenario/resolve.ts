/**
 * Resolving a validated scenario against its topology: load or generate the topology, apply the
 * scenario's Nova options to every cell, and check every name the workload and the faults use (flavors,
 * zones, cells, hosts, sites), reporting unknown ones with the closest valid name.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Hash } from 'node:crypto';
import type { PathIssue, PathSegment } from '../../topology/errors.ts';
import { checkTopology } from '../../topology/check.ts';
import { generateTopology } from '../../topology/generate.ts';
import { loadTopology } from '../../topology/load.ts';
import { effectiveNovaConfig, mergeNovaOverrides, type NovaOverrides } from '../../topology/nova-options.ts';
import { resolvePlan } from '../../topology/plan.ts';
import type { PlanCell, TopologyPlan } from '../../topology/plan-types.ts';
import { expandHostNames } from '../../topology/ranges.ts';
import { topologySchema, withoutExtensions, type Topology } from '../../topology/schema.ts';
import { expectedOneOf } from '../../topology/suggest.ts';
import { topologyErrorMap, toPathIssues } from '../../topology/zod-issues.ts';
import { parseTrace } from '../workload/trace.ts';
import type { Fail } from './load.ts';
import { weighted, type ResolvedFault, type ResolvedWorkload, type Scenario } from './model.ts';
import { isGroupPolicy } from './schema-workload.ts';
import type { ScenarioDoc } from './schema.ts';
import { formatDuration } from '../units.ts';
import { errorMessage } from '../../runtime/errors/index.ts';

export interface ResolveContext {
  file: string;
  baseDir: string;
  fail: Fail;
  hash: Hash;
  overrides: string[];
}

function loadScenarioTopology(doc: ScenarioDoc, rc: ResolveContext): Topology {
  const t = doc.topology;
  if (t.path !== undefined) {
    const path = resolvePath(rc.baseDir, t.path);
    const topology = loadTopology(path);
    rc.hash.update('\0topology\0').update(readFileSync(path));
    return topology;
  }
  if (t.generate !== undefined) {
    const g = t.generate;
    return generateTopology({
      name: g.name ?? doc.name.replace(/\./g, '-'),
      regions: g.regions, sitesPerRegion: g.sites_per_region, cellsPerSite: g.cells_per_site, hostsPerCell: g.hosts_per_cell,
      host: g.host, brokerBasePort: 0, extra: g.flavors ? { flavors: g.flavors } : undefined,
    });
  }
  const inline = withoutExtensions(t.inline);
  const prefix: PathSegment[] = ['topology', 'inline'];
  const parsed = topologySchema.safeParse(inline, { error: topologyErrorMap });
  const issues = parsed.success ? checkTopology(parsed.data) : toPathIssues(parsed.error);
  if (issues.length > 0) rc.fail(issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })));
  return parsed.data!;
}

/** Every cell gets the scenario's options over its own; cells with equal options share one config. */
function applyNova(plan: TopologyPlan, nova: NovaOverrides | undefined): TopologyPlan {
  if (!nova || Object.keys(nova).length === 0) return plan;
  const cache = new Map<string, PlanCell['nova']>();
  const cells = plan.cells.map((c) => {
    const merged = mergeNovaOverrides(c.novaOverrides, nova);
    const key = JSON.stringify(merged);
    let cfg = cache.get(key);
    if (!cfg) cache.set(key, (cfg = effectiveNovaConfig(merged)));
    return { ...c, nova: cfg, novaOverrides: merged };
  });
  return { ...plan, cells };
}

function names(issues: PathIssue[], path: PathSegment[], given: Record<string, number>, known: readonly string[], what: string): [string, number][] {
  const out: [string, number][] = [];
  for (const [name, w] of Object.entries(given)) {
    if (known.includes(name)) out.push([name, w]);
    else issues.push({ path: [...path, name], atKey: true, message: `unknown ${what} "${name}"; ${expectedOneOf(name, known)}` });
  }
  return out;
}

function resolveWorkload(doc: ScenarioDoc, plan: TopologyPlan, rc: ResolveContext, issues: PathIssue[]): ResolvedWorkload {
  const w = doc.workload;
  const flavorNames = plan.flavors.map((f) => f.name);
  const zones = plan.availabilityZones.map((z) => z.name);
  const cellPaths = plan.cells.map((c) => c.path);
  if (flavorNames.length === 0) issues.push({ path: ['topology'], message: 'the topology defines no flavors; a workload needs at least one' });
  const byName = new Map(plan.flavors.map((f) => [f.name, f]));
  const flavorMix = w.flavors ? names(issues, ['workload', 'flavors'], w.flavors, flavorNames, 'flavor') : flavorNames.map((n): [string, number] => [n, 1]);
  let trace = null;
  if (w.arrivals.process === 'trace') {
    const path = resolvePath(rc.baseDir, w.arrivals.file!);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      rc.fail([{ path: ['workload', 'arrivals', 'file'], message: `cannot read the trace file: ${errorMessage(e)}` }]);
    }
    rc.hash.update('\0trace\0').update(text);
    trace = parseTrace(text, w.arrivals.file!, { flavors: flavorNames, zones, cells: cellPaths });
  }
  const g = w.server_groups;
  const az = w.availability_zones;
  const tc = w.target_cells;
  const leafPaths = plan.cells.filter((c) => c.isLeaf).map((c) => c.path);
  return {
    arrivals: w.arrivals,
    flavors: weighted(flavorMix.map(([n, wt]) => [byName.get(n)!, wt] as const)),
    allFlavors: plan.flavors,
    lifetime: w.lifetime,
    serverGroups: g
      ? {
          fraction: g.fraction,
          minSize: typeof g.size === 'number' ? g.size : g.size.min,
          maxSize: typeof g.size === 'number' ? g.size : g.size.max,
          policies: weighted(Object.entries(g.policies).flatMap(([p, wt]) => (isGroupPolicy(p) && wt !== undefined ? [[p, wt] as const] : []))),
        }
      : null,
    availabilityZones: az
      ? { fraction: az.fraction, choices: weighted(az.choices ? names(issues, ['workload', 'availability_zones', 'choices'], az.choices, zones, 'availability zone') : zones.map((z) => [z, 1] as const)) }
      : null,
    targetCells: tc
      ? { fraction: tc.fraction, choices: weighted(tc.choices ? names(issues, ['workload', 'target_cells', 'choices'], tc.choices, cellPaths, 'cell') : leafPaths.map((c) => [c, 1] as const)) }
      : null,
    maxRequests: w.max_requests ?? null,
    trace,
  };
}

function resolveFaults(doc: ScenarioDoc, plan: TopologyPlan, issues: PathIssue[]): ResolvedFault[] {
  const hostCell = new Map(plan.hosts.map((h) => [h.name, h.cell]));
  const hostNames = [...hostCell.keys()];
  const cellPaths = plan.cells.map((c) => c.path);
  const siteRefs = plan.sites.map((s) => s.ref);
  const end = doc.duration + doc.drain;
  const out: ResolvedFault[] = [];
  doc.faults.forEach((f, index) => {
    const at: PathSegment[] = ['faults', index];
    if (f.at >= end) issues.push({ path: [...at, 'at'], message: `the fault would happen at ${formatDuration(f.at)}, after the run ends (${formatDuration(end)}); move it, or leave faults out with --set 'faults=[]'` });
    let hosts: string[] = [];
    let cells: string[] = [];
    let target = '';
    if (f.kind === 'host_down') {
      try {
        hosts = expandHostNames(f.hosts!);
      } catch (e) {
        issues.push({ path: [...at, 'hosts'], message: errorMessage(e) });
      }
      for (const h of hosts) {
        if (!hostCell.has(h)) {
          issues.push({ path: [...at, 'hosts'], message: `unknown host "${h}"; ${expectedOneOf(h, hostNames)}` });
          break;
        }
      }
      cells = [...new Set(hosts.map((h) => hostCell.get(h)!).filter(Boolean))];
      target = hosts.length === 1 ? hosts[0]! : `${hosts.length} hosts`;
    } else if (f.kind === 'link_cut') {
      if (!cellPaths.includes(f.cell!)) issues.push({ path: [...at, 'cell'], message: `unknown cell "${f.cell}"; ${expectedOneOf(f.cell!, cellPaths)}` });
      else if (plan.cells[0]!.path === f.cell) issues.push({ path: [...at, 'cell'], message: 'the API cell has no parent link to cut' });
      cells = [f.cell!];
      target = f.cell!;
    } else {
      if (!siteRefs.includes(f.site!)) {
        issues.push({ path: [...at, 'site'], message: `unknown site "${f.site}"; ${expectedOneOf(f.site!, siteRefs)}` });
      } else {
        cells = plan.cells.filter((c) => c.site?.ref === f.site).map((c) => c.path);
        const lost = new Set(cells);
        hosts = plan.hosts.filter((h) => lost.has(h.cell)).map((h) => h.name);
        if (cells.length === 0) issues.push({ path: [...at, 'site'], message: `no cell is at site "${f.site}"` });
      }
      target = f.site!;
    }
    out.push({
      index, kind: f.kind, label: f.label ?? `${f.kind.replace('_', ' ')} ${target}`, atMs: f.at,
      untilMs: f.duration !== undefined ? f.at + f.duration : null, hosts, cells, site: f.site ?? null,
    });
  });
  return out;
}

export function resolveScenario(doc: ScenarioDoc, rc: ResolveContext): Scenario {
  const topology = loadScenarioTopology(doc, rc);
  const plan = applyNova(resolvePlan(topology, { baseDir: rc.baseDir }), doc.nova);
  const issues: PathIssue[] = [];
  const workload = resolveWorkload(doc, plan, rc, issues);
  const faults = resolveFaults(doc, plan, issues);
  if (plan.hosts.length === 0) issues.push({ path: ['topology'], message: 'the topology has no compute hosts to simulate' });
  if (issues.length > 0) rc.fail(issues);
  return {
    name: doc.name,
    description: doc.description ?? null,
    seed: doc.seed,
    durationMs: doc.duration,
    drainMs: doc.drain,
    sampleMs: doc.sample_interval,
    plan,
    network: doc.network,
    spawnTime: doc.spawn_time ?? null,
    workload,
    faults,
    target: doc.target,
    oracle: doc.oracle,
    database: doc.database,
    source: { file: rc.file, hash: rc.hash.digest('hex'), overrides: rc.overrides },
  };
}
