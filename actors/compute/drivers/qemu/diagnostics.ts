/**
 * A running QEMU guest's diagnostics, from what is cheap to read: QMP `query-cpus-fast` (each vCPU's
 * thread) with the thread's CPU time from /proc/<pid>/task/<tid>/stat, QMP `query-blockstats` (bytes,
 * requests and failures per disk), the QEMU process's resident memory (/proc/<pid>/status VmRSS) as
 * memory used, and the pid file's age as uptime. The user-mode NIC keeps no counters: its figures are
 * null. Driver "libvirt" because Nova's diagnostics enum has no entry for a bare QEMU driver.
 */
import { readFile, stat } from 'node:fs/promises';
import { makeDiagnostics, type Diagnostics } from '../../../objects/diagnostics.ts';
import type { QemuGuest } from './guest.ts';

/** Linux reports thread CPU time in clock ticks of USER_HZ = 100 per second. */
const NS_PER_TICK = 10_000_000;

async function threadCpuNs(pid: number, tid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return null;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * NS_PER_TICK : null;
}

async function rssMb(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = text ? /^VmRSS:\s+(\d+)\s+kB$/m.exec(text)?.[1] : undefined;
  return kb === undefined ? null : Math.round(Number(kb) / 1024);
}

export async function qemuDiagnostics(g: QemuGuest, now: number): Promise<Diagnostics> {
  const qmp = g.requireQmp('get_diagnostics');
  const pid = g.pid;
  const cpus = await qmp.execute('query-cpus-fast');
  const blocks = await qmp.execute('query-blockstats');
  const started = await stat(g.paths.pidFile).then((s) => s.mtimeMs, () => undefined);
  const cpuDetails = await Promise.all(cpus.map(async (c) => ({
    id: c['cpu-index'], time: pid === undefined ? null : await threadCpuNs(pid, c['thread-id']), utilisation: null,
  })));
  return makeDiagnostics({
    state: 'running', driver: 'libvirt', hypervisor: 'qemu', hypervisor_os: 'linux',
    uptime: started === undefined ? null : Math.max(0, Math.floor((now - started) / 1000)),
    config_drive: false,
    memory_details: { maximum: g.record.memoryMb, used: pid === undefined ? null : await rssMb(pid) },
    cpu_details: cpuDetails,
    nic_details: [{
      mac_address: g.record.network.mac, rx_octets: null, rx_errors: null, rx_drop: null, rx_packets: null, rx_rate: null,
      tx_octets: null, tx_errors: null, tx_drop: null, tx_packets: null, tx_rate: null,
    }],
    disk_details: blocks.filter((b) => b.stats).map((b) => ({
      read_bytes: b.stats.rd_bytes, read_requests: b.stats.rd_operations, write_bytes: b.stats.wr_bytes,
      write_requests: b.stats.wr_operations, errors_count: b.stats.failed_rd_operations + b.stats.failed_wr_operations,
    })),
  });
}
