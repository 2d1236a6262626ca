/**
 * Diagnostics (nova/objects/diagnostics.py): what a hypervisor reports about one guest — the 2.48
 * standard format, which is also the wire form between compute host and API — and the free-form
 * pre-2.48 dictionary the API derives from it (libvirt's old keys: cpu0_time, memory, vda_read, ...).
 */
import { z } from 'zod';

const n = z.number().int().nullable();

export const diagnosticsSchema = z.object({
  state: z.enum(['pending', 'running', 'paused', 'shutdown', 'crashed', 'suspended']),
  /** Nova's HypervisorDriver enum; a driver outside it (Nova's own fake, our QEMU driver) reports libvirt. */
  driver: z.enum(['libvirt', 'xenapi', 'vmwareapi', 'ironic', 'hyperv']),
  hypervisor: z.string().nullable(),
  hypervisor_os: z.string().nullable(),
  uptime: n,
  config_drive: z.boolean(),
  num_cpus: z.number().int(),
  num_nics: z.number().int(),
  num_disks: z.number().int(),
  memory_details: z.object({ maximum: n, used: n }),
  cpu_details: z.array(z.object({ id: n, time: n, utilisation: n })),
  nic_details: z.array(z.object({
    mac_address: z.string().nullable(), rx_octets: n, rx_errors: n, rx_drop: n, rx_packets: n, rx_rate: n,
    tx_octets: n, tx_errors: n, tx_drop: n, tx_packets: n, tx_rate: n,
  })),
  disk_details: z.array(z.object({ read_bytes: n, read_requests: n, write_bytes: n, write_requests: n, errors_count: n })),
});
export type Diagnostics = z.infer<typeof diagnosticsSchema>;

/** A guest's CPUs, NICs and disks; num_* are derived from the lists, as Nova's add_cpu & co. do. */
export function makeDiagnostics(d: Omit<Diagnostics, 'num_cpus' | 'num_nics' | 'num_disks'>): Diagnostics {
  return { ...d, num_cpus: d.cpu_details.length, num_nics: d.nic_details.length, num_disks: d.disk_details.length };
}

/** The pre-2.48 dictionary, in libvirt's old key names (memory in KiB, disks vda, vdb, ...; NICs vnetN). */
export function legacyDiagnostics(d: Diagnostics): Record<string, number> {
  const out: Record<string, number> = {};
  d.cpu_details.forEach((c, i) => { if (c.time !== null) out[`cpu${c.id ?? i}_time`] = c.time; });
  if (d.memory_details.maximum !== null) out['memory'] = d.memory_details.maximum * 1024;
  if (d.memory_details.used !== null) out['memory-actual'] = d.memory_details.used * 1024;
  d.disk_details.forEach((k, i) => {
    const dev = `vd${String.fromCharCode(97 + (i % 26))}`;
    const put = (key: string, v: number | null) => { if (v !== null) out[`${dev}_${key}`] = v; };
    put('read', k.read_bytes); put('read_req', k.read_requests); put('write', k.write_bytes); put('write_req', k.write_requests);
    put('errors', k.errors_count);
  });
  d.nic_details.forEach((c, i) => {
    const put = (key: string, v: number | null) => { if (v !== null) out[`vnet${i}_${key}`] = v; };
    put('rx', c.rx_octets); put('rx_drop', c.rx_drop); put('rx_errors', c.rx_errors); put('rx_packets', c.rx_packets);
    put('tx', c.tx_octets); put('tx_drop', c.tx_drop); put('tx_errors', c.tx_errors); put('tx_packets', c.tx_packets);
  });
  return out;
}
