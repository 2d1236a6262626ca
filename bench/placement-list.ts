/**
 * Placement API list cost: GET /placement/resource_providers with N providers spread over 4 cells'
 * placements (in-process backend, so what is measured is the API's merge and rendering, one
 * answer per cell), against the version document as the reference measured in the same run.
 * Run: npx tsx bench/placement-list.ts [providers]
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { apiFixture } from '../test/support/api-fixture.ts';
import { LocalPlacementBackend } from '../actors/api/placement/index.ts';
import { computeNodeInventories, Placement } from '../actors/placement/index.ts';

const n = Number(process.argv[2] ?? 1000);
const cells = new Map<string, Placement>();
for (let c = 0; c < 4; c++) cells.set(`api!c${c}`, new Placement());
const inv = computeNodeInventories({ vcpus: 32, memoryMb: 131072, localGb: 1000, cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 });
for (let i = 0; i < n; i++) {
  const uuid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  cells.get(`api!c${i % 4}`)!.setInventory(uuid, `host-${i}`, inv);
}
const f = await apiFixture({ placement: new LocalPlacementBackend(cells, () => 0) });
const h = { 'openstack-api-version': 'placement 1.39' };
async function time(url: string, runs = 30): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await f.call('GET', url, { as: 'admin', headers: h });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}
const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(2);
const ref = await time('/placement/');
const list = await time('/placement/resource_providers');
const cand = await time('/placement/allocation_candidates?resources=VCPU:1,MEMORY_MB:512');
console.log(`machine: ${os.cpus().length} cpus, load ${os.loadavg()[0]!.toFixed(1)}; ${n} providers in 4 cells`);
console.log(`version document (reference): p50 ${p(ref, 0.5)} ms, p90 ${p(ref, 0.9)} ms`);
console.log(`resource_providers list:       p50 ${p(list, 0.5)} ms, p90 ${p(list, 0.9)} ms (${(Number(p(list, 0.5)) / Number(p(ref, 0.5))).toFixed(1)}x reference)`);
console.log(`allocation_candidates:         p50 ${p(cand, 0.5)} ms, p90 ${p(cand, 0.9)} ms (${(Number(p(cand, 0.5)) / Number(p(ref, 0.5))).toFixed(1)}x reference)`);
await f.close();
