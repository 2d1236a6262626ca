/**
 * Test topologies for the cell tree: an API cell, `children` child cells, `grandchildren` leaf cells
 * under each, `hostsPerLeaf` fake hosts per leaf; brokers on ports the system picks.
 */
import { parseTopology } from '../../topology/load.ts';
import { resolvePlan } from '../../topology/plan.ts';
import type { TopologyPlan } from '../../topology/plan-types.ts';

export interface TreeShape {
  children?: number;
  grandchildren?: number;
  hostsPerLeaf?: number;
  host?: { vcpus: number; memory_mb: number; disk_gb: number };
  /** How long the fake hosts take to spawn a guest (default at once). */
  spawnTimeMs?: number;
  nova?: string;
  leafNova?: (leaf: string) => string;
}

export function treePlan(s: TreeShape = {}): TopologyPlan {
  return resolvePlan(parseTopology(treeTopology(s), 'test-tree.yaml'));
}

/** The topology of treePlan as YAML, e.g. to write a file for `novacell cell run` processes. */
export function treeTopology(s: TreeShape & { dataDir?: string } = {}): string {
  const children = s.children ?? 2;
  const grand = s.grandchildren ?? 2;
  const per = s.hostsPerLeaf ?? 10;
  const host = s.host ?? { vcpus: 16, memory_mb: 32768, disk_gb: 500 };
  const spawn = s.spawnTimeMs === undefined ? '' : `, driver_options: {spawn_time_ms: ${s.spawnTimeMs}}`;
  let n = 0;
  const leaf = (name: string) => {
    const first = n + 1;
    n += per;
    const range = `host[${String(first).padStart(4, '0')}:${String(n).padStart(4, '0')}]`;
    return `        - name: ${name}\n${s.leafNova ? `          nova: ${s.leafNova(name)}\n` : ''}          hosts:\n            - {names: "${range}", driver: fake, vcpus: ${host.vcpus}, memory_mb: ${host.memory_mb}, disk_gb: ${host.disk_gb}${spawn}}\n`;
  };
  let kids = '';
  for (let c = 1; c <= children; c++) {
    kids += `    - name: c${c}\n      children:\n`;
    for (let g = 1; g <= grand; g++) kids += leaf(`g${c}${g}`).replace(/^/gm, '  ').replace(/^  $/gm, '');
  }
  const yaml = `version: 1
name: test-tree
data_dir: ${JSON.stringify(s.dataDir ?? './data')}
broker_base_port: 0
api: {listen: "127.0.0.1:0"}
regions: {r: {sites: {s: {lat: 0, lon: 0}}}}
cell:
  name: api
  site: r/s
${s.nova ? `  nova: ${s.nova}\n` : ''}  children:
${kids}flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
  - {name: m1.small, id: "2", vcpus: 1, ram: 2048, disk: 20}
  - {name: m1.large, id: "4", vcpus: 4, ram: 8192, disk: 80}
projects: [{name: demo}]
users: [{name: demo, password: pw, project: demo, roles: [member]}]
`;
  return yaml;
}
