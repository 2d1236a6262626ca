/**
 * The system under simulation, as the engine sees it: submit builds through the real ComputeAPI, delete
 * servers, hear about instance state changes, read host usage, inject faults. `targets/flat-cells.ts`
 * runs every leaf cell of a topology side by side; `targets/cell-tree.ts` (the cell tree) implements the
 * same interface. Everything runs on the engine's VirtualClock and must draw randomness only from the
 * given Rng, so a run is repeatable.
 */
import type { Clock } from '../runtime/clock/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import type { Rng } from '../runtime/rng/index.ts';
import type { FlavorSpec, ImageSpec, InstanceGroupSpec } from '../actors/scheduler/types.ts';
import type { PlanFlavor, PlanHost, TopologyPlan } from '../topology/plan-types.ts';
import type { HostUsage } from './capacity.ts';
import type { NetworkSpec } from './scenario/schema.ts';

export interface SimBuildRequest {
  /** Position in the workload (also used in names and request ids). */
  index: number;
  name: string;
  flavor: FlavorSpec;
  image: ImageSpec;
  /** min_count = max_count. */
  count: number;
  availabilityZone: string | null;
  /** Nova scheduler hints plus the cells v1 admin hint `target_cell` (a full cell name). */
  schedulerHints: Record<string, string | string[]>;
  /** A new server group for this request's instances, if any. */
  group: InstanceGroupSpec | null;
  projectId: string;
  userId: string;
  reqId: string;
}

export interface SimHostUsage {
  name: string;
  /** Full name of its leaf cell. */
  cell: string;
  /** Ground truth: false while a fault has the host (or its site) down. */
  up: boolean;
  /** Totals, ratios, reserves and usage; may be a live object, so read it at once. */
  usage: HostUsage;
}

export type SimFault =
  | { kind: 'host_down' | 'host_up'; hosts: string[] }
  | { kind: 'link_cut'; cells: string[]; untilMs: number | null }
  | { kind: 'link_heal'; cells: string[] }
  | { kind: 'site_lost'; site: string; cells: string[]; hosts: string[]; untilMs: number | null }
  | { kind: 'site_restored'; site: string; cells: string[]; hosts: string[] };

export interface InstanceStateEvent {
  uuid: string;
  /** Nova vm_state: building, active, error, deleted, ... */
  vmState: string;
  /** The instance fault's message when vm_state is error. */
  fault: string | null;
  host: string | null;
  /** Clock time of the change (absolute ms). */
  atMs: number;
}

export interface SimCounters {
  /** Bus messages published (every cast, call and reply; heartbeats included). */
  messages: number;
  /** Builds sent to another host after a failed spawn. */
  reschedules: number;
}

export interface SimTarget {
  readonly name: string;
  /** Build through the ComputeAPI; resolves with the instance uuids once a cell accepted the request. */
  submit(req: SimBuildRequest): Promise<string[]>;
  delete(uuid: string): Promise<void>;
  /** Called on every vm_state change of an instance (not on task_state changes). */
  onInstanceState(cb: (e: InstanceStateEvent) => void): void;
  /** Every compute host of the plan, in plan order. */
  hosts(): SimHostUsage[];
  applyFault(f: SimFault): Promise<void>;
  counters(): SimCounters;
  stop(): Promise<void>;
}

export interface SimTargetContext {
  plan: TopologyPlan;
  clock: Clock;
  rng: Rng;
  network: NetworkSpec;
  /** Spawn time of a host's fake driver: fixed ms, or drawn per spawn. */
  spawnTime: (host: PlanHost) => number | (() => number);
  /** The workload's flavors, for capacity views (units per flavor). */
  flavors: PlanFlavor[];
  log: Logger;
  /** `memory`: cells on the in-memory bus (simulation); `mqtt`: real brokers over TCP (a real run). */
  transport: 'memory' | 'mqtt';
  /** SQLite file of a cell's database (default `:memory:`). */
  dbFile?: (cellPath: string) => string;
  /** `:memory:` cell databases run no statement at all (the scenario's `database: discard`). */
  discardDb?: boolean;
}

export type SimTargetFactory = (ctx: SimTargetContext) => Promise<SimTarget>;
