import { performance } from 'node:perf_hooks';
import { novaConfig } from '../runtime/config/index.ts';
import { HostManager, createWeighers, weighHosts, type RequestSpec } from '../actors/scheduler/index.ts';
const n = Number(process.argv[2] ?? 10000);
const hm = new HostManager(novaConfig());
for (let i = 0; i < n; i++) hm.upsertComputeNode({ host: 'h' + i, nodename: 'h' + i, uuid: 'u' + i, vcpus: 32, memoryMb: 131072, localGb: 1000 });
const hosts = hm.hosts();
const ws = createWeighers(novaConfig().filter_scheduler.weight_classes, novaConfig());
const idx = new Int32Array(n); for (let i = 0; i < n; i++) idx[i] = i;
const total = new Float64Array(n), scratch = new Float64Array(n);
const spec = {} as RequestSpec;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) { hosts[i % n]!.memoryMbUsed += 512; weighHosts(ws, hosts, idx, n, spec, total, scratch); }
  console.log(n, ((performance.now() - t0) * 1000 / 200).toFixed(1), 'µs/weigh');
}
