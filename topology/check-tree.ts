/**
 * Whole-tree checks of the cell tree that a schema cannot express: sibling names, sites that exist,
 * hosts only in leaf cells, host names unique across the deployment, aggregates that exist, one
 * availability zone per host, one database file per cell, free broker ports.
 */
import { normalize } from 'node:path';
import { formatPath, type PathIssue, type PathSegment } from './errors.ts';
import { allocateBrokerPorts } from './ports.ts';
import { expandHostRange } from './ranges.ts';
import type { HostGroup, Topology } from './schema.ts';
import { expectedOneOf } from './suggest.ts';
import { defaultDatabaseFile, walkCells, type CellVisit } from './tree.ts';

function siteRefs(t: Topology): string[] {
  return Object.entries(t.regions).flatMap(([r, region]) => Object.keys(region.sites).map((s) => `${r}/${s}`));
}

function rootHops(v: CellVisit): unknown {
  let root = v;
  while (root.parent) root = root.parent;
  return root.cell.nova?.['cells']?.['max_hop_count'];
}

function checkCell(t: Topology, v: CellVisit, sites: Set<string>, issues: PathIssue[]): void {
  const { cell, dataPath } = v;
  const seen = new Map<string, number>();
  cell.children.forEach((child, i) => {
    const first = seen.get(child.name);
    if (first !== undefined) {
      issues.push({
        path: [...dataPath, 'children', i, 'name'],
        message: `duplicate cell name "${child.name}": cell "${v.path}" already has a child of that name (${formatPath([...dataPath, 'children', first])})`,
      });
    } else {
      seen.set(child.name, i);
    }
  });
  if (cell.children.length > 0 && cell.hosts.length > 0) {
    issues.push({
      path: [...dataPath, 'hosts'],
      message: `only leaf cells may have hosts: cell "${v.path}" has ${cell.children.length} child cell(s); move these hosts into a leaf cell`,
    });
  }
  // Routing drops a message after max_hop_count hops ([cells] max_hop_count, default 10, as in cells v1).
  const hops = Number(rootHops(v) ?? 10);
  if (v.depth > hops && v.parent && v.parent.depth === hops) {
    issues.push({
      path: [...dataPath, 'name'],
      message: `cell "${v.path}" is ${v.depth} levels below the API cell; messages travel at most max_hop_count (${hops}) hops, so it could never be reached`,
    });
  }
  if (cell.site !== undefined && !sites.has(cell.site)) {
    const known = [...sites];
    const why = known.length ? expectedOneOf(cell.site, known) : 'no sites are defined (add them under regions:)';
    issues.push({ path: [...dataPath, 'site'], message: `unknown site "${cell.site}"; ${why}` });
  }
}

interface HostSeen {
  cell: string;
  path: PathSegment[];
}

function checkHostNames(group: HostGroup, groupPath: PathSegment[], cellPath: string, seen: Map<string, HostSeen>, issues: PathIssue[]): void {
  const specs = typeof group.names === 'string' ? [group.names] : group.names;
  specs.forEach((spec, k) => {
    const specPath = typeof group.names === 'string' ? [...groupPath, 'names'] : [...groupPath, 'names', k];
    const dups: string[] = [];
    let firstSeen: HostSeen | undefined;
    for (const name of expandHostRange(spec)) {
      const prev = seen.get(name);
      if (prev) {
        dups.push(name);
        firstSeen ??= prev;
      } else {
        seen.set(name, { cell: cellPath, path: specPath });
      }
    }
    if (dups.length > 0 && firstSeen) {
      const more = dups.length > 1 ? ` (and ${dups.length - 1} more from "${spec}")` : '';
      issues.push({
        path: specPath,
        message: `duplicate host "${dups[0]}"${more}: already defined in cell "${firstSeen.cell}" at ${formatPath(firstSeen.path)}`,
      });
    }
  });
}

function checkGroupZones(t: Topology, group: HostGroup, groupPath: PathSegment[], issues: PathIssue[]): void {
  const known = Object.keys(t.aggregates);
  const zones = new Map<string, string>();
  group.aggregates.forEach((name, j) => {
    const agg = t.aggregates[name];
    if (!agg) {
      issues.push({ path: [...groupPath, 'aggregates', j], message: `unknown aggregate "${name}"; ${expectedOneOf(name, known)} (define it under aggregates:)` });
    } else if (agg.availability_zone !== undefined) {
      zones.set(name, agg.availability_zone);
    }
  });
  const distinct = new Set(zones.values());
  if (distinct.size > 1) {
    const list = [...zones].map(([a, z]) => `${a} → ${z}`).join(', ');
    issues.push({ path: [...groupPath, 'aggregates'], message: `a host can be in one availability zone only, but these aggregates put it in several: ${list}` });
  }
  const [fromAggregate] = distinct;
  if (group.availability_zone !== undefined && fromAggregate !== undefined && fromAggregate !== group.availability_zone) {
    issues.push({
      path: [...groupPath, 'availability_zone'],
      message: `availability zone "${group.availability_zone}" contradicts aggregate zone "${fromAggregate}"; set one or make them equal`,
    });
  }
}

export function checkTree(t: Topology): PathIssue[] {
  const issues: PathIssue[] = [];
  const sites = new Set(siteRefs(t));
  const hosts = new Map<string, HostSeen>();
  const files = new Map<string, string>();
  const cellPaths = new Set<string>();
  walkCells(t.cell, (v) => {
    // A repeated full name is already reported as a duplicate sibling; its file clash would be noise.
    const repeated = cellPaths.has(v.path);
    cellPaths.add(v.path);
    checkCell(t, v, sites, issues);
    v.cell.hosts.forEach((g, i) => {
      const groupPath = [...v.dataPath, 'hosts', i];
      checkHostNames(g, groupPath, v.path, hosts, issues);
      checkGroupZones(t, g, groupPath, issues);
    });
    const db = v.cell.database;
    if (db?.url === undefined && !repeated) {
      const file = normalize(db?.file ?? defaultDatabaseFile(t.data_dir, v.path));
      const other = files.get(file);
      if (other !== undefined) {
        issues.push({ path: db?.file !== undefined ? [...v.dataPath, 'database', 'file'] : [...v.dataPath, 'name'], message: `database file "${file}" is already used by cell "${other}"` });
      }
      files.set(file, v.path);
    }
  });
  issues.push(...allocateBrokerPorts(t).issues);
  return issues;
}
