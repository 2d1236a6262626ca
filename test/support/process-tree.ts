/**
 * A cell tree of real processes on loopback for end-to-end tests: the API cell, child cells c1 and c2,
 * grandchild g11 under c1, each `novacell cell run` in its own process with its own broker port and
 * database, linked over mutual TLS (the default; the API cell makes the CA and certificates); g11's
 * hosts h1 and h2 are `novacell compute run` agents, c2's hosts k1 and k2 run inside c2. The test drives it as an outside API would: a ComputeAPI over RemoteCellsPort on the API cell's
 * broker, and `cell_status` calls for link states and capacity.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { MqttBus } from '../../runtime/bus/index.ts';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { openDb, type Db } from '../../runtime/db/index.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import { RemoteCellsPort } from '../../cells/tree/remote-cells-port.ts';
import type { CellStatus } from '../../cells/tree/status.ts';
import { brokerPassword, cellUser } from '../../cells/security/index.ts';
import { cellPrefix, statusTopic } from '../../cells/topics.ts';
import '../../cells/messages.ts';
import { readSecrets } from '../../cli/secrets.ts';
import { tlsProvider } from '../../cli/deployment.ts';
import { NovacellProcess, runNovacell, type Exit } from './novacell-process.ts';

export interface ExternalCell {
  /** mqtt:// URL of the external broker, and the login the cell's own services use on it. */
  mqttUrl: string;
  username: string;
  password: string;
  /** postgres:// URL of the cell's database. */
  pgUrl: string;
}

export const CELLS = ['api', 'api!c1', 'api!c1!g11', 'api!c2'] as const;
export const AGENT_HOSTS = ['h1', 'h2'] as const;
export const HOSTS = 4;

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * The tree's topology. Mutual TLS is the default with one process per cell; with an external cell the
 * topology says `broker_tls: {mode: off}` (the test's Mosquitto takes passwords).
 */
export function processTreeTopology(dir: string, ports: number[], external?: ExternalCell): string {
  const host = 'vcpus: 4, memory_mb: 8192, disk_gb: 100, driver_options: {spawn_time_ms: 300}';
  const g11 = external
    ? `          broker: {url: "${external.mqttUrl}", username: "${external.username}", password: "${external.password}"}\n          database: {url: "${external.pgUrl}"}\n`
    : `          broker: {port: ${ports[2]}}\n`;
  return `version: 1
name: e2e
${external ? 'broker_tls: {mode: off}\n' : ''}data_dir: ${join(dir, 'data')}
api: {listen: "127.0.0.1:0"}
cell:
  name: api
  broker: {port: ${ports[0]}}
  nova: {DEFAULT: {rpc_response_timeout: 4, report_interval: 2}, cells: {capacity_report_interval: 5}}
  children:
    - name: c1
      broker: {port: ${ports[1]}}
      children:
        - name: g11
${g11}          hosts:
            - {names: "h[1:2]", ${host}}
    - name: c2
      broker: {port: ${ports[3]}}
      hosts:
        - {names: "k[1:2]", ${host}}
flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
images:
  - {name: cirros, disk_format: qcow2, container_format: bare, visibility: public, min_disk: 1}
projects: [{name: admin}, {name: demo}]
users:
  - {name: admin, password: e2e-admin-pw, project: admin, roles: [admin]}
  - {name: demo, password: e2e-demo-pw, project: demo, roles: [member]}
`;
}

/** Another tree than the default one: its topology text and its cells in start order (g11 keeps the agents). */
export interface TreeLayout {
  topology: string;
  cells: readonly string[];
}

export class ProcessTree {
  readonly cells = new Map<string, NovacellProcess>();
  readonly agents = new Map<string, NovacellProcess>();
  api!: ComputeAPI;
  private bus?: MqttBus;
  readonly topology: string;

  constructor(readonly dir: string, readonly ports: number[], readonly external?: ExternalCell, readonly layout?: TreeLayout) {
    this.topology = join(dir, 'topology.yaml');
    writeFileSync(this.topology, layout?.topology ?? processTreeTopology(dir, ports, external));
  }

  log(name: string): string {
    return join(this.dir, `${name.replace(/!/g, '.')}.log`);
  }

  startCell(path: string): NovacellProcess {
    const args = ['cell', 'run', '--topology', this.topology, '--cell', path, ...(path === 'api!c1!g11' ? ['--no-compute'] : [])];
    const p = new NovacellProcess(path, args, this.log(path));
    this.cells.set(path, p);
    return p;
  }

  /** Mutual TLS (the default): the API cell makes the CA and every certificate in data/pki on first start. */
  get mtls(): boolean {
    return !this.external;
  }

  get pki(): string {
    return join(this.dir, 'data', 'pki');
  }

  async startAgent(host: string): Promise<NovacellProcess> {
    if (this.mtls) {
      // Its certificate is its only credential: no secrets file, no password.
      const args = ['compute', 'run', '--topology', this.topology, '--cell', 'api!c1!g11', '--host', host, '--secrets', join(this.dir, 'no-such-secrets.json')];
      const p = new NovacellProcess(host, args, this.log(host));
      this.agents.set(host, p);
      return p;
    }
    const creds = join(this.dir, `${host}.credentials.json`);
    const r = await runNovacell(['credentials', '--topology', this.topology, '--cell', 'api!c1!g11', '--host', host], this.log(`credentials-${host}`));
    if (r.code !== 0) throw new Error(`novacell credentials exited ${r.code}`);
    writeFileSync(creds, r.stdout, { mode: 0o600 });
    const p = new NovacellProcess(host, ['compute', 'run', '--topology', this.topology, '--cell', 'api!c1!g11', '--host', host, '--credentials', creds], this.log(host));
    this.agents.set(host, p);
    return p;
  }

  /** Start every cell and agent; resolve once all say they are ready and the client is connected. */
  async start(o: { agentsAfterLeaf?: boolean } = {}): Promise<void> {
    for (const c of this.layout?.cells ?? CELLS) this.startCell(c);
    if (o.agentsAfterLeaf) await this.cells.get('api!c1!g11')!.waitFor(/ready/, 60_000);
    await Promise.all(AGENT_HOSTS.map((h) => this.startAgent(h)));
    await Promise.all([...this.cells.values(), ...this.agents.values()].map((p) => p.waitFor(/ready/, 60_000)));
    await this.connectClient();
  }

  /** Connect the test's client to the API cell's broker, with the API cell's admin login. */
  async connectClient(): Promise<void> {
    const common = { clientId: 'api:e2e-client', clock: new RealClock(), rng: new SeededRng('e2e').stream('client'), topicPrefix: cellPrefix('api'), clean: true };
    if (this.mtls) {
      this.bus = await MqttBus.connect({ ...common, url: `mqtts://127.0.0.1:${this.ports[0]}`, username: cellUser('api'), tls: tlsProvider(this.pki, cellUser('api')) });
    } else {
      const secret = readSecrets(join(this.dir, 'data', 'secrets.json')).broker_secret;
      this.bus = await MqttBus.connect({
        ...common, url: `mqtt://127.0.0.1:${this.ports[0]}`, username: cellUser('api'), password: brokerPassword(secret, 'api', cellUser('api')),
      });
    }
    this.api = new ComputeAPI(new RemoteCellsPort(this.bus, 'api', 20_000), new RealClock(), new SeededRng('e2e').stream('api'));
  }

  status(timeoutMs = 3000): Promise<CellStatus> {
    return this.bus!.call<CellStatus>(statusTopic('api'), { type: 'cell_status', body: { timeoutMs } }, { timeoutMs: timeoutMs + 2000 });
  }

  /** A cell's database, opened from the test (SQLite file in the data dir, or the external PostgreSQL). */
  leafDb(path: string): Promise<Db> {
    if (path === 'api!c1!g11' && this.external) return openDb({ url: this.external.pgUrl });
    return openDb({ file: join(this.dir, 'data', `${path.replace(/!/g, '.')}.sqlite`) });
  }

  /** SIGTERM every process; resolves with how each exited. */
  async stop(): Promise<Map<string, Exit>> {
    await this.bus?.close();
    this.bus = undefined;
    const all = [...this.agents, ...[...this.cells].reverse()];
    const exits = new Map<string, Exit>();
    await Promise.all(all.map(async ([name, p]) => exits.set(name, await p.stop())));
    return exits;
  }
}
