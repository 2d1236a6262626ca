/**
 * What this machine really has, for get_available_resource: vCPUs, memory (total and in use, from
 * /proc/meminfo as libvirt reads it) and the disk under instances_path (statfs), each capped by the
 * topology so an operator can give novacell only part of a shared machine.
 */
import { readFile, statfs } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { AvailableResource } from '../driver.ts';

export interface HostFigures {
  vcpus: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  cpuModel: string;
}

export async function hostFigures(path: string): Promise<HostFigures> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo);
    return m ? Number(m[1]) : undefined;
  };
  const totalMb = Math.floor((kb('MemTotal') ?? totalmem() / 1024) / 1024);
  const availMb = Math.floor((kb('MemAvailable') ?? 0) / 1024);
  const fs = await statfs(path);
  const gb = 1024 ** 3;
  const localGb = Math.floor((fs.blocks * fs.bsize) / gb);
  const freeGb = Math.floor((fs.bavail * fs.bsize) / gb);
  const c = cpus();
  return {
    vcpus: c.length,
    memoryMb: totalMb,
    memoryMbUsed: Math.max(0, totalMb - availMb),
    localGb,
    localGbUsed: Math.max(0, localGb - freeGb),
    cpuModel: c[0]?.model ?? 'unknown',
  };
}

export interface ResourceCaps {
  vcpus?: number;
  memoryMb?: number;
  localGb?: number;
}

/** The node's AvailableResource: real figures, capped; guests' vCPUs counted as Nova's libvirt does. */
export function availableResource(
  nodename: string, h: HostFigures, caps: ResourceCaps, guestVcpus: number, hypervisorVersion: number,
): AvailableResource {
  const cap = (real: number, c: number | undefined) => (c === undefined ? real : Math.min(real, c));
  const vcpus = cap(h.vcpus, caps.vcpus);
  const memoryMb = cap(h.memoryMb, caps.memoryMb);
  const localGb = cap(h.localGb, caps.localGb);
  const localGbUsed = Math.min(h.localGbUsed, localGb);
  return {
    vcpus,
    memory_mb: memoryMb,
    local_gb: localGb,
    vcpus_used: guestVcpus,
    memory_mb_used: Math.min(h.memoryMbUsed, memoryMb),
    local_gb_used: localGbUsed,
    hypervisor_type: 'QEMU',
    hypervisor_version: hypervisorVersion,
    hypervisor_hostname: nodename,
    cpu_info: JSON.stringify({
      arch: 'x86_64', model: h.cpuModel, vendor: /AMD/i.test(h.cpuModel) ? 'AMD' : 'Intel', features: [],
      topology: { sockets: 1, cores: h.vcpus, threads: 1 },
    }),
    disk_available_least: localGb - localGbUsed,
    supported_instances: [['x86_64', 'qemu', 'hvm']],
    numa_topology: null,
  };
}
