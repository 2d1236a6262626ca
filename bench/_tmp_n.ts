import { novaConfig } from '../runtime/config/index.ts';
import { HostManager, newHostState } from '../actors/scheduler/index.ts';
const hm = new HostManager(novaConfig());
for (let i = 0; i < 3; i++) hm.upsertComputeNode({ host: 'h' + i, nodename: 'h' + i, uuid: 'u' + i, vcpus: 32, memoryMb: 131072, localGb: 1000 });
const h = hm.hosts()[0]!; const h1 = hm.hosts()[1]!;
const f = new Function('a', 'b', 'return [%HasFastProperties(a), %HaveSameMap(a, b)]');
console.log(f(h, h1));
const x = newHostState({host:'a',nodename:'a',uuid:'a',vcpus:1,memoryMb:1,localGb:1});
console.log(f(x, h));
