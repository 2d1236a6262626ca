/**
 * Real guests on this machine with the qemu driver (TCG unless the host has KVM with vmx/svm): N guests spawned at most
 * `max_concurrent_builds` (2) at a time, each timed from spawn() to its boot banner (what ACTIVE
 * means for this driver), then the RSS of every QEMU process (VmRSS), the CPU time a boot costs,
 * the machine's load while it ran, and how many such guests would fit this host's memory.
 *   npx tsx bench/qemu-guests.ts [guests=4] [ram_mb=128]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../runtime/clock/index.ts';
import { QemuDriver } from '../actors/compute/drivers/qemu/index.ts';
import { registerGuestImage } from '../test/support/guest-image.ts';
import { Command } from 'commander';
import { machine, median } from './machine.ts';
import { referencePassMicros } from './reference.ts';

const cli = new Command('qemu-guests')
  .description('real QEMU guests (TCG unless the host has KVM with vmx/svm): spawn to boot banner, RSS, CPU per boot; prints a reference pass measured in the same run')
  .argument('[guests]', 'guests to boot', '4')
  .argument('[ram_mb]', 'RAM per guest (MB)', '128')
  .parse();
const [guests, ramMb] = cli.processedArgs.map(Number);
const refPass = referencePassMicros();
console.log(`reference: one pass over 1,000 objects takes ${refPass.toFixed(2)} µs here`);
const dir = mkdtempSync(join(tmpdir(), 'novacell-bench-qemu-'));
const store = join(dir, 'images');
const image = registerGuestImage(store);
const driver = new QemuDriver({ clock: new RealClock(), instancesPath: join(dir, 'instances'), imageStore: store });
await driver.init('bench');
const uuids = Array.from({ length: guests }, (_, i) => `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`);
const load0 = loadavg()[0]!;
const times: number[] = [];
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ 100
};
try {
  await Promise.all(uuids.map(async (uuid, i) => {
    const t0 = performance.now();
    await driver.spawn({
      instance: { uuid, name: `bench-${i}`, hostname: `bench-${i}`, projectId: 'p', userId: 'u', vcpus: 1, memoryMb: ramMb, rootGb: 1, ephemeralGb: 0, swapMb: 0, metadata: {} },
      image, injectedFiles: [], adminPassword: null, networkInfo: [], blockDeviceInfo: null,
    });
    times.push(performance.now() - t0);
  }));
  const rss = uuids.map((u) => {
    const pid = driver.guestProcess(u)!.pid!;
    return { kb: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]), cpu: cpuSeconds(pid) };
  });
  const rssMb = rss.map((r) => r.kb / 1024);
  const memAvailMb = Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024;
  console.log(`machine: ${machine()}, load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`);
  console.log(`${guests} guests of ${ramMb} MB, 2 booting at a time: spawn→banner median ${(median(times) / 1000).toFixed(1)} s = ${(median(times) * 1000 / refPass / 1e6).toFixed(2)} million reference passes, ` +
    `min ${(Math.min(...times) / 1000).toFixed(1)} s, max ${(Math.max(...times) / 1000).toFixed(1)} s`);
  console.log(`RSS per guest: median ${median(rssMb).toFixed(0)} MB (min ${Math.min(...rssMb).toFixed(0)}, max ${Math.max(...rssMb).toFixed(0)}); ` +
    `CPU per boot: median ${median(rss.map((r) => r.cpu)).toFixed(1)} s`);
  console.log(`fit by memory: ${Math.floor(memAvailMb / median(rssMb))} more such guests in ${Math.round(memAvailMb)} MB available ` +
    `(${Math.floor(totalmem() / 2 ** 20 / median(rssMb))} in ${Math.round(totalmem() / 2 ** 20)} MB total)`);
} finally {
  for (const u of uuids) await driver.destroy(u);
  await driver.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
