/**
 * A fake guest: the record FakeDriver keeps per instance, the read-only view it hands out, and the
 * lifecycle event libvirt would emit when the guest's power state changes.
 */
import type { LifecycleTransition } from './driver.ts';
import { FakeConsoleLog } from './fake-console.ts';
import { PowerState } from './power-state.ts';
import type { SpawnContext } from './spawn-context.ts';
import { flavorDiskGb } from '../../objects/index.ts';

export interface FakeGuest {
  readonly uuid: string;
  readonly name: string;
  readonly imageId: string;
  readonly vcpus: number;
  readonly memoryMb: number;
  /** Local disk as placement counts it: root + ephemeral + swap rounded up to whole GB. */
  readonly diskGb: number;
  /** Index of the guest's console ports; the lowest free one is reused, as libvirt does. */
  readonly slot: number;
  readonly console: FakeConsoleLog;
  /** The MAC of each VIF, in order (diagnostics' NICs). */
  readonly macs: readonly string[];
  state: PowerState;
  rescued: boolean;
  readonly snapshots: string[];
  /** Set while building: ends the wait early when the guest is destroyed or the driver stops. */
  abortBuild?: (err: Error) => void;
}

/** A read-only view of a fake guest, for tests and simulator reports. */
export interface FakeGuestView {
  uuid: string;
  name: string;
  state: PowerState;
  rescued: boolean;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  snapshots: readonly string[];
}

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;

/** A guest being built (NOSTATE) from the manager's spawn context, on console port `slot`. */
export function newFakeGuest(ctx: SpawnContext, slot: number): FakeGuest {
  const inst = ctx.instance;
  const interfaces = ctx.networkInfo.map((vif) => ({
    mac: vif.address,
    ips: (vif.network?.subnets ?? []).flatMap((s) => s.ips.map((ip) => ip.address)),
  }));
  return {
    uuid: inst.uuid,
    name: inst.name,
    imageId: ctx.image.id,
    vcpus: inst.vcpus,
    memoryMb: inst.memoryMb,
    diskGb: flavorDiskGb(inst),
    slot,
    console: new FakeConsoleLog({
      uuid: inst.uuid,
      hostname: inst.hostname,
      vcpus: inst.vcpus,
      memoryMb: inst.memoryMb,
      imageId: ctx.image.id,
      interfaces,
    }),
    macs: interfaces.map((i) => i.mac),
    state: NOSTATE,
    rescued: false,
    snapshots: [],
  };
}

export function fakeGuestView(g: FakeGuest): FakeGuestView {
  const { uuid, name, state, rescued, vcpus, memoryMb, diskGb } = g;
  return { uuid, name, state, rescued, vcpus, memoryMb, diskGb, snapshots: [...g.snapshots] };
}

/** The lifecycle event libvirt would emit for a power state change. */
export function lifecycleTransition(from: PowerState, to: PowerState): LifecycleTransition | undefined {
  switch (to) {
    case RUNNING:
      return from === PAUSED ? 'RESUMED' : 'STARTED';
    case PAUSED:
      return 'PAUSED';
    case SUSPENDED:
      return 'SUSPENDED';
    case SHUTDOWN:
    case CRASHED:
      return from === NOSTATE || from === SHUTDOWN || from === CRASHED ? undefined : 'STOPPED';
    default:
      return undefined;
  }
}
