import { performance } from 'node:perf_hooks';
import { novaConfig } from '../runtime/config/index.ts';
import { SeededRng } from '../runtime/rng/index.ts';
import { FilterScheduler, HostManager, type RequestSpec } from '../actors/scheduler/index.ts';
const n = Number(process.argv[2] ?? 10000);
const hm = new HostManager(novaConfig());
for (let i = 0; i < n; i++) hm.upsertComputeNode({ host: 'h' + i, nodename: 'h' + i, uuid: 'u' + i, vcpus: 32, memoryMb: 131072, localGb: 1000 });
const s = new FilterScheduler(novaConfig(), new SeededRng('x').stream('s'));
const flavor = { id: '1', name: 't', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const spec = (u: string): RequestSpec => ({ instanceUuids: [u], numInstances: 1, projectId: 'p', userId: 'u', flavor, image: { id: 'i', properties: {} }, availabilityZone: null, schedulerHints: {}, instanceGroup: null, ignoreHosts: [], forceHosts: [], forceNodes: [], retry: { numAttempts: 1, hosts: [] } });
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const N = 2000;
  for (let i = 0; i < N; i++) s.selectDestinations(spec('i' + r + '-' + i), hm);
  console.log(n, ((performance.now() - t0) * 1000 / N).toFixed(1), 'µs/decision');
}
