/**
 * The one assembly of a leaf cell: its conductor, scheduler and placement (LeafServices) and, when they
 * run in this process, its compute hosts on their own client of the cell's broker; interrupted builds
 * are replayed once everything is listening. startCell (`up`, `cell run`, the simulator's cell-tree
 * target) and SingleCell (the flat-cells target, tests, benches) both build their leaves here.
 */
import type { Bus } from '../../runtime/bus/index.ts';
import { LeafServices, type LeafServicesOptions } from './leaf-services.ts';
import { ComputeHosts, type ComputeHostSpec } from './compute-hosts.ts';

export interface StartLeafOptions extends LeafServicesOptions {
  /** The compute hosts' client of the cell's broker; absent: the hosts run elsewhere (`novacell compute run`). */
  computeBus?: Bus;
  /** The hosts to run here, each with its driver (called once the services are up). */
  hosts: () => ComputeHostSpec[];
  onComputeCrash?: (host: string, err: unknown) => void;
  /** Runs after the hosts start and before builds are replayed (a tree cell links to its parent here). */
  beforeReplay?: (leaf: LeafServices) => Promise<void>;
}

export interface RunningLeaf {
  leaf: LeafServices;
  compute?: ComputeHosts;
}

/** With a compute bus the hosts run here, and the result has them. */
export async function startLeaf(o: StartLeafOptions & { computeBus: Bus }): Promise<Required<RunningLeaf>>;
export async function startLeaf(o: StartLeafOptions): Promise<RunningLeaf>;
export async function startLeaf(o: StartLeafOptions): Promise<RunningLeaf> {
  const leaf = await LeafServices.start(o);
  let compute: ComputeHosts | undefined;
  if (o.computeBus) {
    compute = new ComputeHosts({
      cell: o.cell, parent: o.parent, bus: o.computeBus, clock: o.clock, config: o.config,
      log: o.log.child({ service: 'nova-compute' }), subscribe: 'wildcard', onCrash: o.onComputeCrash,
    });
    await compute.start(o.hosts());
  }
  await o.beforeReplay?.(leaf);
  await leaf.replayBuilds();
  return { leaf, compute };
}
