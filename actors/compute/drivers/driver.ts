/**
 * The ComputeDriver contract (Nova's nova/virt/driver.py): everything the compute manager asks of a
 * hypervisor. One documented interface so the fake driver (tests, simulation), libvirt and raw QEMU
 * plugins are interchangeable behind a compute actor. Everything is async because real drivers talk to
 * libvirtd or spawn processes; the fake resolves on the injected Clock.
 *
 * The hypervisor is the authority on a guest's power state: the manager records what getInfo says.
 * Guests are named by instance uuid; hypervisor-side ids (domain names, pids) never leave the driver.
 *
 * Errors every method shares:
 *   - InstanceNotFound      the hypervisor has no guest with that uuid (destroy excepted: it is idempotent);
 *   - InstanceInvalidState  the guest's power state does not allow the operation (message names both);
 *   - HypervisorError       the hypervisor itself failed; for spawn this makes the manager reschedule.
 */
import type { Diagnostics } from '../../objects/diagnostics.ts';
import type { DriverCapabilities } from './capabilities.ts';
import type { PowerState } from './power-state.ts';
import type { DestroyOptions, GuestOpContext, RescueContext, SpawnContext } from './spawn-context.ts';

/**
 * What get_available_resource reports for one node, in Nova's snake_case: it becomes the node's
 * compute_nodes row (the resource tracker adds free_ram_mb, free_disk_gb, running_vms and the
 * reserved amounts from configuration).
 */
export interface AvailableResource {
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  hypervisor_type: string;
  /** Nova's integer form of a dotted version: 1.0 → 1000, 8.2.1 → 8002001. */
  hypervisor_version: number;
  hypervisor_hostname: string;
  /** JSON text, as Nova stores it: {"arch","model","vendor","features","topology":{sockets,cores,threads}}. */
  cpu_info: string;
  /** Disk (GB) still free once every guest's disks are fully allocated; what DiskFilter once used. */
  disk_available_least: number;
  /** [arch, hypervisor type, vm mode] triples the ImagePropertiesFilter matches images against. */
  supported_instances: Array<[string, string, string]>;
  numa_topology: null;
}

/** Nova's InstanceInfo: only the power state is part of the contract. */
export interface InstanceInfo {
  state: PowerState;
}

/** Where a console proxy (noVNC, SPICE-HTML5, serial websocket) should connect on the compute host. */
export interface ConsoleInfo {
  host: string;
  port: number;
  /** For hypervisors whose console needs a path after connecting (Nova's internal_access_path). */
  internalAccessPath?: string;
  /** SPICE only: the TLS port when the hypervisor offers one. */
  tlsPort?: number;
}

/** Nova's virtevent lifecycle transitions, which libvirt emits when a guest changes state on its own. */
export type LifecycleTransition = 'STARTED' | 'STOPPED' | 'PAUSED' | 'RESUMED' | 'SUSPENDED';

export interface LifecycleEvent {
  instanceUuid: string;
  transition: LifecycleTransition;
  /** Clock time (ms) the hypervisor saw the change. */
  timestamp: number;
}

export type LifecycleListener = (event: LifecycleEvent) => void;

export interface ComputeDriver {
  /** Short kind name as registered ('fake', 'libvirt', ...), also used in log lines. */
  readonly name: string;
  /** Fixed for the driver's life; read by the manager before an operation and reported as traits. */
  readonly capabilities: Readonly<DriverCapabilities>;

  /**
   * Connect to the hypervisor for `host` (Nova's init_host). Called once when the compute actor
   * starts, before anything else and again after `cleanup()` when the service restarts; a real driver
   * catches up with guests already running. Raises HypervisorError when the hypervisor is unreachable,
   * which keeps the compute service from starting.
   */
  init(host: string): Promise<void>;

  /**
   * Disconnect (Nova's cleanup_host), called on graceful shutdown. Guests keep running: a compute
   * service restart must not take customer workloads down. Builds still in progress are abandoned and
   * cleaned up; their spawn() rejects with HypervisorError.
   */
  cleanup(): Promise<void>;

  /** Nodes this driver exposes (one for every hypervisor here: named after the host). */
  getAvailableNodes(): Promise<string[]>;

  /**
   * Totals and usage for `nodename`, called at start-up and by the resource tracker's periodic task
   * (update_resources_interval). Raises ComputeHostNotFound for a node this driver does not manage and
   * HypervisorError before init().
   */
  getAvailableResource(nodename: string): Promise<AvailableResource>;

  /** Uuids of every guest the hypervisor knows, including ones still building (they hold resources). */
  listInstanceUuids(): Promise<string[]>;

  /**
   * Build and boot a guest (build_and_run_instance, after the claim and network allocation). Resolves
   * once it is RUNNING (SHUTDOWN when ctx.powerOn is false). On failure the partial guest is removed,
   * leaving the hypervisor as before the call, and it rejects with HypervisorError so the manager can
   * reschedule to an alternate host. Rejects with InstanceExists for a uuid already present, and with
   * InstanceNotFound when the guest was destroyed (server deleted) while it was building: the manager
   * then aborts the build rather than rescheduling it.
   */
  spawn(ctx: SpawnContext): Promise<void>;

  /**
   * Power off and remove the guest and, unless destroyDisks is false, its local disks (delete, and the
   * clean-up after a failed build or an evacuation). Idempotent, as Nova requires: an unknown uuid
   * succeeds, so a retried delete never fails. Destroying a guest that is still building makes its
   * spawn() reject with InstanceNotFound.
   */
  destroy(instanceUuid: string, opts?: DestroyOptions): Promise<void>;

  /**
   * Reboot (reboot_instance). SOFT asks the guest OS to restart and needs it RUNNING; HARD resets the
   * virtual machine from any state (paused, suspended, stopped, crashed) and is how an operator
   * recovers a stuck guest. Either way the guest ends RUNNING.
   */
  reboot(instanceUuid: string, type: 'SOFT' | 'HARD', opts?: GuestOpContext): Promise<void>;

  /**
   * Stop the guest (stop_instance, and the power-state sync when the database says stopped).
   * `timeoutS` is how long to wait for a clean ACPI shutdown before pulling the plug (Nova's
   * shutdown_timeout, default 60); 0 pulls it at once. Already SHUTDOWN is success: the power-state
   * sync may ask again for a guest that stopped by itself.
   */
  powerOff(instanceUuid: string, timeoutS?: number): Promise<void>;

  /** Start a SHUTDOWN or CRASHED guest (start_instance). Already RUNNING is success, for the same reason. */
  powerOn(instanceUuid: string, opts?: GuestOpContext): Promise<void>;

  /** Freeze a RUNNING guest's vCPUs; memory stays allocated on the host (pause_instance). */
  pause(instanceUuid: string): Promise<void>;
  /** Let a PAUSED guest run again (unpause_instance). */
  unpause(instanceUuid: string): Promise<void>;

  /** Save a RUNNING guest's memory to disk and release its CPU and RAM (suspend_instance). */
  suspend(instanceUuid: string): Promise<void>;
  /** Restore a SUSPENDED guest from its saved memory (resume_instance). */
  resume(instanceUuid: string, opts?: GuestOpContext): Promise<void>;

  /**
   * Boot a rescue image with the guest's disk attached as a secondary one (rescue_instance), from a
   * RUNNING, SHUTDOWN or CRASHED guest. While rescued, only unrescue, destroy and read-only calls are
   * accepted. Optional: a driver without rescue leaves it out and the manager refuses the action.
   */
  rescue?(instanceUuid: string, ctx?: RescueContext): Promise<void>;
  /** Boot the guest from its own disk again (unrescue_instance); InstanceInvalidState if not rescued. */
  unrescue?(instanceUuid: string): Promise<void>;

  /**
   * Capture the guest's root disk into image `imageId`, already created in the image service by the
   * API (snapshot_instance). Optional; not allowed while rescued or building.
   */
  snapshot?(instanceUuid: string, imageId: string): Promise<void>;

  /**
   * Live migration (nova/virt/driver.py pre_live_migration, live_migration,
   * post_live_migration_at_destination, live_migration_abort, live_migration_force_complete). Optional:
   * a driver without them cannot live-migrate. On the destination, preLiveMigration gets ready to
   * receive the guest and says where the source sends it; on the source, liveMigration sends the
   * running guest and resolves once it runs on the destination (the source copy is then gone), or
   * rejects (aborted, failed) leaving the source guest running; postLiveMigrationAtDestination makes
   * the received guest this host's own (it runs).
   */
  preLiveMigration?(ctx: SpawnContext): Promise<{ migrateUri: string | null }>;
  liveMigration?(instanceUuid: string, dest: LiveMigrationTarget): Promise<void>;
  postLiveMigrationAtDestination?(ctx: SpawnContext): Promise<void>;
  liveMigrationAbort?(instanceUuid: string): Promise<void>;
  liveMigrationForceComplete?(instanceUuid: string): Promise<void>;

  /** The guest's power state as the hypervisor sees it (power-state sync, end of every task). */
  getInfo(instanceUuid: string): Promise<InstanceInfo>;

  /** The guest's serial console log (os-getConsoleOutput); the API trims it to the requested lines. */
  getConsoleOutput(instanceUuid: string): Promise<string>;

  /**
   * What the hypervisor knows about a running guest: CPUs, memory, NICs, disks, uptime
   * (get_instance_diagnostics, the 2.48 format). Optional; the manager asks only for RUNNING guests.
   */
  getDiagnostics?(instanceUuid: string): Promise<Diagnostics>;

  /**
   * Inject an NMI into the guest so that its kernel dumps its memory (trigger_crash_dump); the guest
   * decides what happens next. Optional: without it the manager reports the action unsupported.
   */
  triggerCrashDump?(instanceUuid: string): Promise<void>;

  /**
   * Where to reach the guest's graphical or serial console, for the console proxies after the API has
   * issued a token. InstanceInvalidState when the guest is not running a display (building, shut down).
   */
  getVncConsole(instanceUuid: string): Promise<ConsoleInfo>;
  getSpiceConsole(instanceUuid: string): Promise<ConsoleInfo>;
  getSerialConsole(instanceUuid: string): Promise<ConsoleInfo>;

  /**
   * Hear about state changes the hypervisor noticed (Nova's register_event_listener), such as a guest
   * that shut itself down; the manager reconciles the database with them. Optional.
   */
  registerEventListener?(listener: LifecycleListener): void;
}

/** Where a live migration sends the guest: the destination host and what its preLiveMigration answered. */
export interface LiveMigrationTarget {
  host: string;
  migrateUri: string | null;
  /** The guest's memory in MiB, for a driver that models the transfer time. */
  memoryMb: number;
  /** Told how far the transfer is, as often as the driver measures it (the Migration record's counters). */
  onProgress?: (p: LiveMigrationProgress) => void;
}

/** A live migration's progress in bytes (Nova's Migration memory_* and disk_* fields). */
export interface LiveMigrationProgress {
  memoryTotalBytes: number;
  memoryProcessedBytes: number;
  memoryRemainingBytes: number;
  diskTotalBytes: number;
  diskProcessedBytes: number;
  diskRemainingBytes: number;
}
