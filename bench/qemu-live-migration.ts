/**
 * Live migration between two qemu driver hosts on this machine (TCG unless the host has KVM with vmx/svm): one guest
 * moved back and forth N times, each timed from pre_live_migration to post_live_migration_at_destination,
 * with QEMU's own figures (total time, downtime, bytes of memory and disk sent) and the machine's load.
 *   npx tsx bench/qemu-live-migration.ts [moves=4] [ram_mb=128]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { RealClock } from '../runtime/clock/index.ts';
import { QemuDriver } from '../actors/compute/drivers/qemu/index.ts';
import type { SpawnContext } from '../actors/compute/drivers/spawn-context.ts';
import { pino } from 'pino';
import { z } from 'zod';
import { registerGuestImage } from '../test/support/guest-image.ts';
import { median } from './machine.ts';

const cli = new Command('qemu-live-migration')
  .description('live migration between two qemu driver hosts: wall time per move and QEMU\'s total time and downtime')
  .argument('[moves]', 'migrations to run (alternating direction)', '4')
  .argument('[ram_mb]', 'guest RAM (MB)', '128')
  .parse();
const [moves, ramMb] = cli.processedArgs.map(Number);
const clock = new RealClock();
const dir = mkdtempSync(join(tmpdir(), 'novacell-bench-livemig-'));
const store = join(dir, 'images');
const image = registerGuestImage(store);
/** The driver's log line after each move, with QEMU's figures; every other line is dropped. */
const completed = z.object({
  msg: z.literal('live migration completed'), total_time_ms: z.number(), downtime_ms: z.number(),
  memory_bytes: z.number().optional(), disk_bytes: z.number().optional(),
});
const figures: { last?: z.infer<typeof completed> } = {};
const log = pino({ level: 'info' }, {
  write(line: string) {
    const r = completed.safeParse(JSON.parse(line));
    if (r.success) figures.last = r.data;
  },
});
const hosts = ['bench-a', 'bench-b'].map((h) => new QemuDriver({ clock, instancesPath: join(dir, h), imageStore: store, log }));
for (const [i, h] of hosts.entries()) await h.init(`bench-${i}`);
const uuid = '33333333-3333-4444-8555-666666666601';
const ctx: SpawnContext = {
  instance: { uuid, name: 'bench', hostname: 'bench', projectId: 'p', userId: 'u', vcpus: 1, memoryMb: ramMb, rootGb: 1, ephemeralGb: 0, swapMb: 0, metadata: {} },
  image, injectedFiles: [], adminPassword: null, blockDeviceInfo: null,
  networkInfo: [{ id: 'p', address: 'fa:16:3e:00:00:09', network: { id: 'n', label: 'l', subnets: [{ cidr: '10.30.0.0/24', gateway: '10.30.0.1', ips: [{ address: '10.30.0.9' }] }] } }],
};
try {
  await hosts[0]!.spawn(ctx);
  const walls: number[] = [];
  const downs: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < moves; i++) {
    const [src, dst] = i % 2 ? [hosts[1]!, hosts[0]!] : [hosts[0]!, hosts[1]!];
    const t0 = performance.now();
    const { migrateUri } = await dst.preLiveMigration(ctx);
    await src.liveMigration(uuid, { host: 'dest', migrateUri, memoryMb: ramMb });
    await dst.postLiveMigrationAtDestination(ctx);
    const wall = performance.now() - t0;
    walls.push(wall);
    const last = figures.last;
    if (!last) throw new Error('the driver logged no "live migration completed" line');
    downs.push(last.downtime_ms);
    totals.push(last.total_time_ms);
    console.log(`move ${i + 1}: ${Math.round(wall)} ms wall (QEMU start on the destination included); QEMU total ${last.total_time_ms} ms, downtime ${last.downtime_ms} ms, memory ${((last.memory_bytes ?? 0) / 2 ** 20).toFixed(1)} MiB, disk ${((last.disk_bytes ?? 0) / 2 ** 20).toFixed(1)} MiB`);
  }
  console.log(`median over ${moves}: wall ${Math.round(median(walls))} ms, QEMU total ${Math.round(median(totals))} ms, downtime ${Math.round(median(downs))} ms; load average ${loadavg()[0]!.toFixed(1)}`);
} finally {
  for (const h of hosts) {
    await h.destroy(uuid).catch(() => undefined);
    await h.cleanup();
  }
  rmSync(dir, { recursive: true, force: true });
}
