/**
 * The metrics openstack-exporter publishes for Nova, under the same names and labels, so dashboards
 * built for it work against novacell: per hypervisor (vCPUs, memory, local storage, running VMs), per
 * service (agent state), and the cloud's total VMs (from the API cell's copies). Each per-host series
 * also carries the leaf cell. Read on scrape from the leaves' host states and service records.
 */
import { Gauge, type Registry } from 'prom-client';
import type { WatchedCell } from './watched-cell.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const HOST_LABELS = ['hostname', 'availability_zone', 'aggregates', 'cell'] as const;
type HostLabel = (typeof HOST_LABELS)[number];

export function registerExporterMetrics(registry: Registry, cells: () => readonly WatchedCell[]): void {
  const registers = [registry];
  const perHost = (name: string, help: string, value: (h: import('../../actors/scheduler/types.ts').HostState) => number) =>
    new Gauge<HostLabel>({
      name, help, labelNames: HOST_LABELS, registers,
      collect() {
        this.reset();
        for (const w of cells()) {
          const leaf = w.rc.leaf;
          if (!leaf) continue;
          for (const h of leaf.ctx.hostManager.hosts()) {
            const aggregates = h.aggregates.map((a) => a.name).sort().join(',');
            this.labels(h.host, h.availabilityZone, aggregates, w.path).set(value(h));
          }
        }
      },
    });
  perHost('openstack_nova_vcpus_available', 'vCPUs of a hypervisor.', (h) => h.vcpus);
  perHost('openstack_nova_vcpus_used', 'vCPUs used on a hypervisor.', (h) => h.vcpusUsed);
  perHost('openstack_nova_memory_available_bytes', 'Memory of a hypervisor.', (h) => h.memoryMb * MIB);
  perHost('openstack_nova_memory_used_bytes', 'Memory used on a hypervisor.', (h) => h.memoryMbUsed * MIB);
  perHost('openstack_nova_local_storage_available_bytes', 'Local disk of a hypervisor.', (h) => h.localGb * GIB);
  perHost('openstack_nova_local_storage_used_bytes', 'Local disk used on a hypervisor.', (h) => h.localGbUsed * GIB);
  perHost('openstack_nova_running_vms', 'Instances on a hypervisor.', (h) => h.numInstances);

  new Gauge({
    name: 'openstack_nova_agent_state', help: 'A Nova service: 1 up, 0 down.',
    labelNames: ['hostname', 'service', 'adminState', 'disabledReason', 'id', 'zone', 'cell'], registers,
    collect() {
      this.reset();
      for (const w of cells()) {
        const leaf = w.rc.leaf;
        if (!leaf) continue;
        const zones = new Map(leaf.ctx.hostManager.hosts().map((h) => [h.host, h.availabilityZone]));
        for (const s of leaf.services.list()) {
          this.labels(
            s.host, s.binary, s.disabled ? 'disabled' : 'enabled', s.disabledReason ?? '', String(s.id),
            s.binary === 'nova-compute' ? (zones.get(s.host) ?? 'nova') : 'internal', w.path,
          ).set(s.up ? 1 : 0);
        }
      }
    },
  });

  new Gauge({
    name: 'openstack_nova_total_vms', help: 'Servers in the cloud (the API cell\'s live copies).', registers,
    collect() {
      this.reset();
      for (const w of cells()) {
        if (!w.apiCell) continue;
        let n = 0;
        for (const _ of w.apiCell.liveCopies()) n++;
        this.set(n);
      }
    },
  });

  new Gauge({
    name: 'openstack_nova_up', help: 'The compute service answers (always 1 when scraped).', registers,
    collect() {
      this.set(1);
    },
  });
}
