/**
 * First start of the API cell: the topology's catalog becomes the API database's initial content
 * (flavors, images, aggregates and availability zones). Later starts keep what the API changed since.
 */
import { deterministicUuid, type TopologyPlan } from '../../../topology/index.ts';
import type { ApiStore } from './store.ts';

const SEEDED = 'seeded_from_topology';

/** Availability zones given on host groups without an aggregate become aggregates, as Nova defines zones. */
function implicitZones(plan: TopologyPlan, defaultZone: string): Map<string, string[]> {
  const zones = new Map<string, string[]>();
  for (const h of plan.hosts) {
    const fromAggregate = plan.aggregates.some((a) => a.availability_zone === h.availability_zone && a.hosts.includes(h.name));
    if (fromAggregate || h.availability_zone === defaultZone) continue;
    zones.set(h.availability_zone, [...(zones.get(h.availability_zone) ?? []), h.name]);
  }
  return zones;
}

/** Seed the store once; returns true when it did. */
export async function seedFromPlan(store: ApiStore, plan: TopologyPlan, now: number): Promise<boolean> {
  if (await store.getMeta(SEEDED)) return false;
  for (const f of plan.flavors) {
    if (store.flavors.get(f.id)) continue;
    await store.flavors.create({
      id: f.id, name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap,
      rxtxFactor: f.rxtx_factor, isPublic: f.is_public, description: f.description, extraSpecs: { ...f.extra_specs }, projects: [],
    }, now);
  }
  for (const i of plan.images) {
    if (store.images.get(i.id)) continue;
    await store.images.save({
      id: i.id, name: i.name, status: 'active', visibility: i.visibility, owner: i.owner, diskFormat: i.disk_format,
      containerFormat: i.container_format, minDisk: i.min_disk, minRam: i.min_ram, size: i.size, virtualSize: null,
      checksum: null, osHashAlgo: null, osHashValue: null, protected: i.protected, tags: [...i.tags],
      properties: { ...i.properties }, file: null, createdAt: now, updatedAt: now,
    });
  }
  for (const a of plan.aggregates) {
    if (store.aggregates.get(a.id)) continue;
    await store.aggregates.create({
      uuid: a.uuid, name: a.name, availabilityZone: a.availability_zone, hosts: [...a.hosts], metadata: { ...a.metadata },
      createdAt: now, updatedAt: null,
    }, a.id);
  }
  const defaultZone = plan.cells[0]?.nova.DEFAULT.default_availability_zone ?? 'nova';
  for (const [zone, hosts] of implicitZones(plan, defaultZone)) {
    if (store.aggregates.byName(zone)) continue;
    await store.aggregates.create({
      uuid: deterministicUuid('aggregate', zone),
      name: zone, availabilityZone: zone, hosts, metadata: { availability_zone: zone }, createdAt: now, updatedAt: null,
    });
  }
  await store.setMeta(SEEDED, String(now));
  return true;
}
