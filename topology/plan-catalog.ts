/**
 * The resolved global catalog: flavors, images, projects, users and aggregates with ids. Missing ids are
 * derived from names (ids.ts), so every run of the same file — and every cell — agrees on them.
 */
import { deterministicKeystoneId, deterministicUuid } from './ids.ts';
import type { PlanAggregate, PlanFlavor, PlanImage, PlanProject, PlanUser } from './plan-types.ts';
import type { Topology } from './schema.ts';

export function planFlavors(t: Topology): PlanFlavor[] {
  return t.flavors.map((f) => ({
    id: f.id ?? deterministicUuid('flavor', f.name),
    name: f.name,
    vcpus: f.vcpus,
    ram: f.ram,
    disk: f.disk,
    ephemeral: f.ephemeral,
    swap: f.swap,
    rxtx_factor: f.rxtx_factor,
    is_public: f.is_public,
    description: f.description ?? null,
    extra_specs: f.extra_specs,
  }));
}

export function planProjects(t: Topology): PlanProject[] {
  return t.projects.map((p) => ({
    id: p.id ?? deterministicKeystoneId('project', `${p.domain}/${p.name}`),
    name: p.name,
    domain: p.domain,
    description: p.description ?? null,
    enabled: p.enabled,
  }));
}

export function planImages(t: Topology, projects: PlanProject[]): PlanImage[] {
  return t.images.map((i) => ({
    id: i.id ?? deterministicUuid('image', i.name),
    name: i.name,
    status: 'active' as const,
    disk_format: i.disk_format,
    container_format: i.container_format,
    min_disk: i.min_disk,
    min_ram: i.min_ram,
    visibility: i.visibility,
    protected: i.protected,
    owner: i.owner === undefined ? null : (projects.find((p) => p.name === i.owner)?.id ?? null),
    size: i.size ?? null,
    tags: i.tags,
    properties: i.properties,
  }));
}

export function planUsers(t: Topology, projects: PlanProject[]): PlanUser[] {
  return t.users.map((u) => {
    const project = projects.find((p) => p.name === u.project);
    return {
      id: u.id ?? deterministicKeystoneId('user', `${u.domain}/${u.name}`),
      name: u.name,
      domain: u.domain,
      password: u.password,
      project: u.project,
      projectId: project?.id ?? deterministicKeystoneId('project', `Default/${u.project}`),
      roles: [...new Set(u.roles)],
      email: u.email ?? null,
      enabled: u.enabled,
    };
  });
}

/** Aggregates in file order; `hosts` is filled in while hosts are expanded. */
export function planAggregates(t: Topology): PlanAggregate[] {
  return Object.entries(t.aggregates).map(([name, a], i) => ({
    id: i + 1,
    uuid: deterministicUuid('aggregate', name),
    name,
    availability_zone: a.availability_zone ?? null,
    metadata: a.metadata,
    hosts: [],
  }));
}
