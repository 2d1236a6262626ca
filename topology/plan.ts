/**
 * resolvePlan: from a validated topology to the plan every runner uses — cells flattened in tree order
 * with full names, effective broker, database, site and Nova options (inherited down the tree, a child
 * overriding its parent), hosts expanded from ranges, and the catalog with ids.
 */
import { join, resolve } from 'node:path';
import { effectiveNovaConfig, mergeNovaOverrides, type NovaOverrides } from './nova-options.ts';
import { planAggregates, planFlavors, planImages, planProjects, planUsers } from './plan-catalog.ts';
import type { PlanBroker, PlanCell, PlanDatabase, PlanHost, PlanSite, TopologyPlan } from './plan-types.ts';
import { allocateBrokerPorts } from './ports.ts';
import { expandHostNames } from './ranges.ts';
import { parseListen } from './schema-common.ts';
import type { Cell, DriverName, Topology } from './schema.ts';
import { CELL_PATH_SEPARATOR, defaultDatabaseFile, effectiveSite, walkCells } from './tree.ts';

export interface PlanOptions {
  /** Resolve relative paths (data_dir, database files, CA files) against this directory. Default: keep them relative. */
  baseDir?: string;
  /**
   * How the plan is run, for broker_tls' default: 'processes' (one process per cell: mutual) or 'single'
   * (`novacell up`, the simulator, `validate`: off; `up` runs plain brokers with passwords whatever it says). Default 'single'.
   */
  processes?: 'single' | 'processes';
}

const HYPERVISOR_TYPE: Record<DriverName, string> = { fake: 'fake', libvirt: 'QEMU', qemu: 'QEMU' };

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

function planSites(t: Topology): PlanSite[] {
  return Object.entries(t.regions).flatMap(([region, r]) =>
    Object.entries(r.sites).map(([site, s]) => ({
      region,
      site,
      ref: `${region}/${site}`,
      lat: s.lat,
      lon: s.lon,
      description: s.description ?? null,
    })),
  );
}

function planBroker(cell: Cell, embedded: { host: string; port: number } | undefined, path: (p: string) => string, tlsDir: string | undefined): PlanBroker {
  const b = cell.broker;
  if (b?.url !== undefined) {
    const ext = { kind: 'external', url: b.url, username: b.username ?? null, password: b.password ?? null, caFile: b.ca_file ? path(b.ca_file) : null } as const;
    return tlsDir !== undefined && b.url.startsWith('mqtts:') ? { ...ext, tls: { pkiDir: tlsDir } } : ext;
  }
  const { host, port } = embedded!;
  if (tlsDir === undefined) return { kind: 'embedded', host, port, url: `mqtt://${hostPort(host, port)}` };
  return { kind: 'embedded', host, port, url: `mqtts://${hostPort(host, port)}`, tls: { pkiDir: tlsDir } };
}

function planDatabase(t: Topology, cell: Cell, cellPath: string, path: (p: string) => string): PlanDatabase {
  const d = cell.database;
  if (d?.url !== undefined) return { kind: 'postgres', url: d.url };
  return { kind: 'sqlite', file: path(d?.file ?? defaultDatabaseFile(t.data_dir, cellPath)) };
}

export function resolvePlan(t: Topology, options: PlanOptions = {}): TopologyPlan {
  const path = (p: string) => (options.baseDir !== undefined ? resolve(options.baseDir, p) : p);
  const sites = planSites(t);
  const siteByRef = new Map(sites.map((s) => [s.ref, s]));
  const ports = allocateBrokerPorts(t).brokers;
  const pkiDir = path(t.broker_tls.pki_dir ?? join(t.data_dir, 'pki'));
  const multi = options.processes === 'processes';
  const tlsMode = t.broker_tls.mode ?? (multi ? 'mutual' : 'off');
  const tlsDir = tlsMode === 'mutual' ? pkiDir : undefined;
  const aggregates = planAggregates(t);
  const aggregateByName = new Map(aggregates.map((a) => [a.name, a]));
  const overridesOf = new Map<string, NovaOverrides>();
  const cells: PlanCell[] = [];
  const byPath = new Map<string, PlanCell>();
  const hosts: PlanHost[] = [];

  walkCells(t.cell, (v) => {
    const parent = v.parent ? byPath.get(v.parent.path)! : null;
    const inherited = v.parent ? overridesOf.get(v.parent.path)! : {};
    const own = Object.keys(v.cell.nova).length > 0;
    const overrides = own ? mergeNovaOverrides(inherited, v.cell.nova) : inherited;
    overridesOf.set(v.path, overrides);
    const siteRef = effectiveSite(v);
    const pc: PlanCell = {
      name: v.cell.name,
      path: v.path,
      parentPath: v.parent?.path ?? null,
      depth: v.depth,
      childPaths: v.cell.children.map((c) => `${v.path}${CELL_PATH_SEPARATOR}${c.name}`),
      isLeaf: v.cell.children.length === 0,
      description: v.cell.description ?? null,
      site: siteRef !== undefined ? (siteByRef.get(siteRef) ?? null) : null,
      broker: planBroker(v.cell, ports.get(v.path), path, tlsDir),
      database: planDatabase(t, v.cell, v.path, path),
      // A cell without its own options shares its parent's config: thousands of cells stay cheap.
      nova: own || !parent ? effectiveNovaConfig(overrides) : parent.nova,
      novaOverrides: overrides,
      weightOffset: v.cell.weight_offset,
      disabled: v.cell.disabled,
      hostNames: [],
    };
    for (const g of v.cell.hosts) {
      const zoneFromAggregate = g.aggregates.map((a) => aggregateByName.get(a)?.availability_zone).find((z) => z != null);
      const zone = g.availability_zone ?? zoneFromAggregate ?? pc.nova.DEFAULT.default_availability_zone;
      for (const name of expandHostNames(g.names)) {
        hosts.push({
          name,
          cell: v.path,
          driver: g.driver,
          driver_options: g.driver_options,
          vcpus: g.vcpus,
          memory_mb: g.memory_mb,
          disk_gb: g.disk_gb,
          availability_zone: zone,
          aggregates: g.aggregates,
          hypervisor_type: g.hypervisor_type ?? HYPERVISOR_TYPE[g.driver],
          cpu_arch: g.cpu_arch,
          traits: g.traits,
        });
        pc.hostNames.push(name);
        for (const a of g.aggregates) aggregateByName.get(a)?.hosts.push(name);
      }
    }
    cells.push(pc);
    byPath.set(v.path, pc);
  });

  const zones = new Map<string, number>();
  for (const h of hosts) zones.set(h.availability_zone, (zones.get(h.availability_zone) ?? 0) + 1);
  const listen = parseListen(t.api.listen);
  const projects = planProjects(t);
  const flavors = planFlavors(t);
  const images = planImages(t, projects);
  return {
    name: t.name,
    description: t.description ?? null,
    dataDir: path(t.data_dir),
    api: { ...listen, listen: t.api.listen, publicUrl: t.api.public_url ?? `http://${hostPort(listen.host, listen.port)}` },
    identity: {
      tokenExpirationSeconds: t.identity.token_expiration,
      lockoutFailureAttempts: t.identity.lockout_failure_attempts,
      lockoutDurationSeconds: t.identity.lockout_duration,
    },
    purge: { deletedRowsAgeSeconds: t.purge.deleted_rows_age, intervalSeconds: t.purge.interval },
    brokerTls: { mode: tlsMode, pkiDir, explicit: t.broker_tls.mode !== undefined },
    sites,
    cells,
    hosts,
    aggregates,
    availabilityZones: [...zones].map(([name, n]) => ({ name, hosts: n })),
    flavors,
    images,
    projects,
    users: planUsers(t, projects),
    defaults: {
      flavor: flavors.find((f) => f.name === t.defaults.flavor) ?? null,
      image: images.find((i) => i.name === t.defaults.image) ?? null,
    },
  };
}

/** The cell with full name `path`, or undefined. */
export function findCell(plan: TopologyPlan, path: string): PlanCell | undefined {
  return plan.cells.find((c) => c.path === path);
}
