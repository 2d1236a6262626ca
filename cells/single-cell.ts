/**
 * One complete cell in one process: its embedded aedes broker on a TCP port, its SQLite database, the
 * conductor with scheduler and placement, and fake compute hosts, every part talking over real MQTT.
 * The one-cell deployment used by the flat-cells simulation target, tests and benchmarks; its leaf is
 * assembled by startLeaf (cells/leaf/start-leaf.ts), as every leaf of the cell tree is.
 */
import { startActorSystem, spawnGroup, stopActor, type ActorSystem } from '../runtime/actor/index.ts';
import { MemoryBus, MqttBus, startBroker, type Broker, type Bus, type MemoryHub } from '../runtime/bus/index.ts';
import type { Clock } from '../runtime/clock/index.ts';
import type { NovaConfig } from '../runtime/config/index.ts';
import type { DbConfig } from '../runtime/db/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import type { Rng } from '../runtime/rng/index.ts';
import { FakeDriver, type FakeDriverOptions } from '../actors/compute/drivers/fake.ts';
import type { ComputeDriver } from '../actors/compute/drivers/driver.ts';
import { ComputeAPI } from '../actors/api/compute-api.ts';
import { SingleCellPort } from '../actors/api/single-cell-port.ts';
import type { LeafServices } from './leaf/leaf-services.ts';
import type { ComputeHosts } from './leaf/compute-hosts.ts';
import { startLeaf } from './leaf/start-leaf.ts';
import { nodeUuidFor } from './leaf/host-uuid.ts';
import { cellPrefix, conductorTopic } from './topics.ts';
import { replySenders } from './security/principals.ts';

export interface FakeHostSpec {
  name: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  spawnTimeMs?: number;
  failureRate?: number;
  failSpawn?: boolean;
}

export interface SingleCellOptions {
  name: string;
  /**
   * The cell's bus: an embedded aedes broker on a TCP port (default), or an in-memory hub for the
   * simulator and unit tests (same contract, virtual-time link delays).
   */
  transport?: { kind: 'mqtt' } | { kind: 'memory'; hub: MemoryHub; delay?: (from: string, topic: string) => number };
  db: DbConfig;
  brokerPort?: number;
  hosts: FakeHostSpec[];
  clock: Clock;
  rng: Rng;
  config: NovaConfig;
  log: Logger;
  /** Build a driver per host (default FakeDriver from the host spec). */
  driverFor?: (h: FakeHostSpec) => ComputeDriver;
  onComputeCrash?: (host: string, err: unknown) => void;
}

export class SingleCell {
  private constructor(
    readonly name: string,
    readonly broker: Broker | undefined,
    readonly services: LeafServices,
    readonly compute: ComputeHosts,
    readonly api: ComputeAPI,
    private readonly buses: Bus[],
    private readonly system: ActorSystem,
  ) {}

  static async start(o: SingleCellOptions): Promise<SingleCell> {
    const transport = o.transport ?? { kind: 'mqtt' };
    const broker = transport.kind === 'mqtt' ? await startBroker({ port: o.brokerPort ?? 0 }) : undefined;
    const prefix = cellPrefix(o.name);
    const mk = async (id: string): Promise<Bus> => {
      const common = { clientId: `${o.name}:${id}`, clock: o.clock, rng: o.rng.stream(`bus:${o.name}:${id}`), topicPrefix: prefix, replySender: replySenders(o.name) };
      if (transport.kind === 'memory') return new MemoryBus({ ...common, hub: transport.hub, delay: transport.delay });
      return MqttBus.connect({ ...common, url: broker!.url });
    };
    const [conductorBus, computeBus, apiBus] = await Promise.all([mk('conductor'), mk('compute'), mk('api')]);
    const system = startActorSystem();
    const root = spawnGroup(system, `cell-${o.name.replace(/!/g, '.')}`);
    const driverFor = o.driverFor ?? ((h: FakeHostSpec) => new FakeDriver(fakeOptions(o, h)));
    const { leaf: services, compute } = await startLeaf({
      cell: o.name, parent: root, bus: conductorBus, db: o.db, clock: o.clock, rng: o.rng, config: o.config, log: o.log,
      computeBus, onComputeCrash: o.onComputeCrash,
      hosts: () => o.hosts.map((h) => ({ host: h.name, nodeUuid: nodeUuidFor(o.name, h.name), driver: driverFor(h) })),
    });
    const api = new ComputeAPI(new SingleCellPort(apiBus, conductorTopic(o.name)), o.clock, o.rng.stream(`api:${o.name}`));
    return new SingleCell(o.name, broker, services, compute, api, [conductorBus, computeBus, apiBus], system);
  }

  async stop(): Promise<void> {
    this.compute.stop();
    await Promise.all(this.buses.map((b) => b.close()));
    await this.services.stop();
    stopActor(this.system);
    await this.broker?.close();
  }
}

function fakeOptions(o: SingleCellOptions, h: FakeHostSpec): FakeDriverOptions {
  return {
    clock: o.clock,
    rng: o.rng.stream(`fake-driver:${o.name}:${h.name}`),
    resources: { vcpus: h.vcpus, memoryMb: h.memoryMb, localGb: h.diskGb },
    spawnTimeMs: h.spawnTimeMs ?? 0,
    failureRate: h.failureRate ?? 0,
    failSpawn: h.failSpawn ?? false,
  };
}
